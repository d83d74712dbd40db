/**
 * The only place that declares native functions: libbpf.so.1 (the system
 * library, loaded through koffi) and the few libc calls the probe needs
 * (mmap for the ring buffer, mount for tracefs). Everything is bound lazily
 * so that importing the probe on a machine without libbpf does not throw;
 * `loadLibbpf()` throws a LibbpfMissingError that says what to install.
 */
import type * as KoffiApi from 'koffi' with { 'resolution-mode': 'import' };

// koffi's types are published as ESM; the CommonJS build is what we load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: typeof KoffiApi = require('koffi');
import { LibbpfMissingError } from './errors';

/** Opaque native handle (libbpf object, map, program, link): a BigInt address. */
export type Handle = bigint;

export interface Libbpf {
  bpf_object__open_file(path: string, opts: null): Handle | null;
  bpf_object__load(obj: Handle): number;
  bpf_object__close(obj: Handle): void;
  bpf_object__find_map_by_name(obj: Handle, name: string): Handle | null;
  bpf_object__next_program(obj: Handle, prev: Handle | null): Handle | null;
  bpf_program__name(prog: Handle): string;
  bpf_object__next_map(obj: Handle, prev: Handle | null): Handle | null;
  bpf_map__name(map: Handle): string;
  /** enum bpf_map_type */
  bpf_map__type(map: Handle): number;
  bpf_map__key_size(map: Handle): number;
  bpf_map__value_size(map: Handle): number;
  bpf_map__max_entries(map: Handle): number;
  bpf_program__section_name(prog: Handle): string;
  bpf_program__attach(prog: Handle): Handle | null;
  bpf_program__set_autoload(prog: Handle, autoload: boolean): number;
  bpf_program__autoload(prog: Handle): boolean;
  /** null: libbpf prints nothing (its messages go to stderr by default); returns the previous printer (to restore). */
  libbpf_set_print(fn: Handle | null): Handle | null;
  bpf_program__attach_uprobe_opts(
    prog: Handle,
    pid: number,
    binaryPath: string,
    funcOffset: number,
    opts: { sz: number; ref_ctr_offset: number; bpf_cookie: number; retprobe: boolean; func_name: string | null },
  ): Handle | null;
  bpf_link__destroy(link: Handle): number;
  /**
   * bpf_link__destroy on a libuv worker thread: closing a tracepoint's last
   * perf event waits for an RCU grace period (tracepoint_synchronize_unregister),
   * so links closed side by side share the wait instead of queuing for it.
   */
  bpf_link__destroy_async(link: Handle): Promise<number>;
  bpf_map__set_max_entries(map: Handle, n: number): number;
  bpf_map__reuse_fd(map: Handle, fd: number): number;
  bpf_map__fd(map: Handle): number;
  bpf_map_update_elem(fd: number, key: Uint8Array, value: Uint8Array, flags: number | bigint): number;
  bpf_map_lookup_elem(fd: number, key: Uint8Array, value: Uint8Array): number;
  bpf_map_delete_elem(fd: number, key: Uint8Array): number;
  libbpf_num_possible_cpus(): number;
}

export interface Libc {
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): Handle;
  munmap(addr: Handle, length: number): number;
  mount(source: string, target: string, fstype: string, flags: number, data: null): number;
  getpagesize(): number;
  /** sigset_t arguments as 128-byte buffers. */
  pthread_sigmask(how: number, set: Buffer | null, old: Buffer | null): number;
  epoll_create1(flags: number): number;
  /** `event`: a packed struct epoll_event (u32 events, u64 data: 12 bytes). */
  epoll_ctl(epfd: number, op: number, fd: number, event: Buffer): number;
  /** epoll_wait on a libuv worker thread (it blocks): resolves with its result, -1 on error. */
  epoll_wait_async(epfd: number, events: Buffer, maxEvents: number, timeoutMs: number): Promise<number>;
  eventfd(initval: number, flags: number): number;
  write(fd: number, buf: Buffer, count: number): number;
  close(fd: number): number;
}

export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 1;
/** Size of the packed x86-64 struct epoll_event. */
export const EPOLL_EVENT_BYTES = 12;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export const SIG_BLOCK = 0;
export const SIG_SETMASK = 2;
export const SIGSET_BYTES = 128;

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
/** (void *) -1 */
export const MAP_FAILED = 0xffffffffffffffffn;

let libbpf: Libbpf | undefined;
let libc: Libc | undefined;

export function loadLibbpf(): Libbpf {
  if (libbpf) return libbpf;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch (err) {
    throw new LibbpfMissingError({ cause: err });
  }
  const opts = koffi.struct('mcpspy_bpf_uprobe_opts', {
    sz: 'size_t',
    ref_ctr_offset: 'size_t',
    bpf_cookie: 'uint64_t',
    retprobe: 'bool',
    func_name: 'const char *',
  });
  const destroy = lib.func('int bpf_link__destroy(void *link)');
  if (koffi.sizeof(opts) !== 40) throw new Error(`bpf_uprobe_opts is ${koffi.sizeof(opts)} bytes, expected 40`);
  libbpf = {
    bpf_object__open_file: lib.func('void *bpf_object__open_file(const char *path, void *opts)'),
    bpf_object__load: lib.func('int bpf_object__load(void *obj)'),
    bpf_object__close: lib.func('void bpf_object__close(void *obj)'),
    bpf_object__find_map_by_name: lib.func('void *bpf_object__find_map_by_name(void *obj, const char *name)'),
    bpf_object__next_program: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    bpf_program__name: lib.func('const char *bpf_program__name(void *prog)'),
    bpf_object__next_map: lib.func('void *bpf_object__next_map(void *obj, void *prev)'),
    bpf_map__name: lib.func('const char *bpf_map__name(void *map)'),
    bpf_map__type: lib.func('int bpf_map__type(void *map)'),
    bpf_map__key_size: lib.func('uint32_t bpf_map__key_size(void *map)'),
    bpf_map__value_size: lib.func('uint32_t bpf_map__value_size(void *map)'),
    bpf_map__max_entries: lib.func('uint32_t bpf_map__max_entries(void *map)'),
    bpf_program__section_name: lib.func('const char *bpf_program__section_name(void *prog)'),
    bpf_program__attach: lib.func('void *bpf_program__attach(void *prog)'),
    bpf_program__set_autoload: lib.func('int bpf_program__set_autoload(void *prog, bool autoload)'),
    bpf_program__autoload: lib.func('bool bpf_program__autoload(const void *prog)'),
    libbpf_set_print: lib.func('void *libbpf_set_print(void *fn)'),
    bpf_program__attach_uprobe_opts: lib.func('bpf_program__attach_uprobe_opts', 'void *', [
      'void *',
      'int',
      'const char *',
      'size_t',
      koffi.pointer(opts),
    ]),
    bpf_link__destroy: destroy,
    bpf_link__destroy_async: (link: Handle) =>
      new Promise<number>((res, rej) => destroy.async(link, (err: unknown, r: number) => (err ? rej(err) : res(r)))),
    bpf_map__set_max_entries: lib.func('int bpf_map__set_max_entries(void *map, uint32_t n)'),
    bpf_map__reuse_fd: lib.func('int bpf_map__reuse_fd(void *map, int fd)'),
    bpf_map__fd: lib.func('int bpf_map__fd(void *map)'),
    bpf_map_update_elem: lib.func('int bpf_map_update_elem(int fd, void *key, void *value, uint64_t flags)'),
    bpf_map_lookup_elem: lib.func('int bpf_map_lookup_elem(int fd, void *key, void *value)'),
    bpf_map_delete_elem: lib.func('int bpf_map_delete_elem(int fd, void *key)'),
    libbpf_num_possible_cpus: lib.func('int libbpf_num_possible_cpus(void)'),
  };
  return libbpf;
}

export function loadLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const epollWait = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
  libc = {
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, void *data)'),
    getpagesize: lib.func('int getpagesize(void)'),
    pthread_sigmask: lib.func('int pthread_sigmask(int how, void *set, void *oldset)'),
    epoll_create1: lib.func('int epoll_create1(int flags)'),
    epoll_ctl: lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epoll_wait_async: (epfd: number, events: Buffer, maxEvents: number, timeoutMs: number) =>
      new Promise<number>((res, rej) =>
        epollWait.async(epfd, events, maxEvents, timeoutMs, (err: unknown, r: number) => (err ? rej(err) : res(r))),
      ),
    eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
    write: lib.func('intptr_t write(int fd, void *buf, size_t count)'),
    close: lib.func('int close(int fd)'),
  };
  return libc;
}

/** errno of the last native call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** A zero-copy view of native memory. Never write into a read-only mapping. */
export function nativeView(ptr: Handle, length: number): ArrayBuffer {
  return koffi.view(ptr, length);
}

/** Returns true when libbpf.so.1 can be loaded. */
export function libbpfAvailable(): boolean {
  try {
    loadLibbpf();
    return true;
  } catch {
    return false;
  }
}
