/**
 * Where logs go: pretty lines on a terminal, JSON lines otherwise, and a file
 * while the TUI owns the screen (stderr would scramble it).
 *
 * The TUI log holds what the stages log about traffic, so it is created 0600
 * in a directory only this user may enter (root: /run/mcpspy; others:
 * $XDG_STATE_HOME/mcpspy or ~/.local/state/mcpspy, created 0700), never at a
 * fixed name in /tmp where another user could plant a symlink first.
 * MCPSPY_LOG_FILE names another file; it is opened with the same care.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino, { Logger, LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { ensurePrivateDir, openOutputFile } from '@mcpspy/runtime/core';
import { safeLogOptions } from './log-sanitizer';

export interface LoggingChoice {
  logger: Logger;
  /** Set when logs go to a file. */
  file?: string;
}

/** The private directory of the TUI log for this user. */
export function defaultLogDir(env: NodeJS.ProcessEnv = process.env, uid = process.geteuid?.() ?? -1): string {
  if (uid === 0) return '/run/mcpspy';
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'mcpspy');
}

/** Opens the TUI log (appending): the file descriptor and its path. Throws UnsafeFileError. */
export function openTuiLog(env: NodeJS.ProcessEnv = process.env): { fd: number; file: string } {
  const file = env.MCPSPY_LOG_FILE || join(ensurePrivateDir(defaultLogDir(env)), 'mcpspy.log');
  const { fd } = openOutputFile(file, { append: true, what: 'log file' });
  return { fd, file };
}

export function createCliLogger(level: string, opts: { tui: boolean; name: string }): LoggingChoice {
  const base = { name: opts.name, level: level as LevelWithSilent, base: { pid: process.pid }, ...safeLogOptions() };
  if (opts.tui) {
    const { fd, file } = openTuiLog();
    return { logger: pino(base, pino.destination({ dest: fd, sync: false })), file };
  }
  if (process.stderr.isTTY && !process.env.MCPSPY_LOG_JSON) {
    const stream = pretty({ destination: 2, sync: true, colorize: !process.env.NO_COLOR, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' });
    return { logger: pino(base, stream) };
  }
  return { logger: pino(base, pino.destination({ dest: 2, sync: true })) };
}
