/**
 * Opening the files the monitor writes (`-o`, `--record`, the TUI log) as
 * root, in directories other users may write to (/tmp), without letting them
 * choose what we write into:
 *
 * - the last path component is never followed when it is a symlink
 *   (O_NOFOLLOW), and a new file is created with O_EXCL, mode 0600;
 * - an existing file is used only when it is a regular file we own with a
 *   single link; anything else (another user's file, a FIFO, a device,
 *   `/dev/stdout`, a symlink) needs `force` (`--output-force`);
 * - only a regular file we own is chmod-ed 0600: a device node or a FIFO
 *   keeps its mode (`-o /dev/null` must not lock every user out);
 * - the open never blocks: a FIFO without a reader is refused at once with a
 *   message naming what is missing, instead of hanging start-up.
 *
 * Parent directories are trusted: a directory another user can rename
 * entries in is outside what O_NOFOLLOW protects (documented in SECURITY).
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { McpspyError } from '@mcpspy/events/errors';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_APPEND, O_NONBLOCK, O_CLOEXEC } = fs.constants as typeof fs.constants & { O_CLOEXEC?: number };
const CLOEXEC = O_CLOEXEC ?? 0o2000000;

export interface SafeOpenOptions {
  /** Keep what an existing file holds and write at its end (default: truncate it). */
  append?: boolean;
  /** Accept a symlink, another user's file, a FIFO, a device or a multiply-linked file (`--output-force`). */
  force?: boolean;
  /** What the file is, for messages ("output", "capture file", "log file"). */
  what?: string;
}

export interface SafeOpenResult {
  fd: number;
  /** A regular file (it can be sized, fsynced, rotated); false for a FIFO, a pipe, a tty or a device. */
  regular: boolean;
  /** Created by this open. */
  created: boolean;
  /** Size after opening (0 unless appending to a regular file). */
  size: number;
}

/** Why a path was refused, with the flag that would accept it. Message: `failed to open <what> <path>: <reason>`. */
export class UnsafeFileError extends McpspyError {
  constructor(
    readonly path: string,
    readonly reason: string,
    what = 'file',
    options?: { cause?: unknown },
  ) {
    super(`failed to open ${what} ${path}: ${reason}`, options);
  }
}

function euid(): number {
  return process.geteuid?.() ?? -1;
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/**
 * Opens `path` for writing under the rules above. Throws UnsafeFileError for
 * a refused path (with the reason and the flag to override) and the system
 * error (as cause) for anything else.
 */
export function openOutputFile(path: string, opts: SafeOpenOptions = {}): SafeOpenResult {
  const what = opts.what ?? 'file';
  const refuse = (reason: string, cause?: unknown): never => {
    throw new UnsafeFileError(path, reason, what, { cause });
  };
  // 1. A new file: created here, so nobody else chose it.
  try {
    const fd = fs.openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | CLOEXEC | (opts.append ? O_APPEND : 0), 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // umask may only have taken bits away; be explicit
    } catch {
      /* a filesystem without modes (vfat): nothing to do */
    }
    return { fd, regular: true, created: true, size: 0 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      if (code === 'ENOENT') refuse(`directory ${dirname(path)} does not exist`, err);
      if (code === 'EACCES' || code === 'EPERM') refuse('permission denied', err);
      if (code === 'EISDIR') refuse('is a directory', err);
      refuse((err as Error).message, err);
    }
  }
  // 2. It exists: look before touching. lstat tells a symlink apart; the fstat after open is what counts.
  let lst: fs.Stats;
  try {
    lst = fs.lstatSync(path);
  } catch (err) {
    return refuse(`it changed while being opened (${(err as Error).message}); try again`, err);
  }
  if (lst.isSymbolicLink() && !opts.force) {
    refuse(`it is a symlink (to ${safeReadlink(path)}): refusing to follow it as root; choose another path, or pass --output-force if you mean it`);
  }
  const flags = O_WRONLY | O_NONBLOCK | CLOEXEC | (opts.force ? 0 : O_NOFOLLOW) | (opts.append ? O_APPEND : 0);
  let fd: number;
  try {
    fd = fs.openSync(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') refuse('it is a FIFO with no reader: start the reader first (the monitor does not wait for one)', err);
    if (code === 'ELOOP') refuse('it is a symlink: refusing to follow it as root; choose another path, or pass --output-force if you mean it', err);
    if (code === 'EISDIR') refuse('is a directory', err);
    if (code === 'EACCES' || code === 'EPERM') refuse('permission denied', err);
    return refuse((err as Error).message, err);
  }
  try {
    const st = fs.fstatSync(fd);
    const regular = st.isFile();
    if (!opts.force) {
      if (!regular) refuse(`it is ${kindOf(st)}: pass --output-force to write into it`);
      if (st.uid !== euid()) refuse(`it belongs to uid ${st.uid}, not to this user (uid ${euid()}): remove it, or pass --output-force if you mean it`);
      if (st.nlink > 1) refuse(`it has ${st.nlink} hard links: refusing to write into a file linked elsewhere; remove it, or pass --output-force`);
    }
    if (st.isFIFO() || !regular) fd = blockingAgain(path, fd, st, flags);
    let size = 0;
    if (regular) {
      if (!opts.append) fs.ftruncateSync(fd, 0);
      else size = st.size;
      // Only our own regular file gets its mode narrowed: another user's file (forced) keeps its owner's choice.
      if (st.uid === euid()) fs.fchmodSync(fd, 0o600);
    }
    return { fd, regular, created: false, size };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * A FIFO or device was opened non-blocking so a missing reader cannot hang
 * start-up; writes must block like any file's, so open it again normally
 * (the reader exists now) and check it is still the same node.
 */
function blockingAgain(path: string, fd: number, st: fs.Stats, flags: number): number {
  let fd2: number;
  try {
    fd2 = fs.openSync(path, flags & ~O_NONBLOCK);
  } catch {
    return fd; // keep the non-blocking one: writes may fail with EAGAIN and are counted
  }
  const st2 = fs.fstatSync(fd2);
  if (st2.dev !== st.dev || st2.ino !== st.ino) {
    fs.closeSync(fd2);
    return fd;
  }
  fs.closeSync(fd);
  return fd2;
}

function safeReadlink(path: string): string {
  try {
    return fs.readlinkSync(path);
  } catch {
    return '?';
  }
}

/**
 * A directory only this user may enter, created 0700 when missing. Refuses
 * an existing one that is a symlink, belongs to another user or lets others
 * in (mode & 077), rather than writing logs somewhere another user chose.
 */
export function ensurePrivateDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UnsafeFileError(dir, (err as Error).message, 'directory', { cause: err });
  }
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw new UnsafeFileError(dir, 'it is a symlink', 'directory');
  if (!st.isDirectory()) throw new UnsafeFileError(dir, 'not a directory', 'directory');
  if (st.uid !== euid()) throw new UnsafeFileError(dir, `it belongs to uid ${st.uid}, not to this user`, 'directory');
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  return dir;
}

