/**
 * Which kernel hooks capture read/write-family syscall data. Both backends
 * carry the same capture logic (bpf/io_common.bpf.h) and produce the same
 * ring records (bpf/include/events.h) for the same calls, on every path:
 * read/write, readv/writev, preadv2/pwritev2, recvfrom/sendto,
 * recvmsg/sendmsg, recvmmsg/sendmmsg, vmsplice, the splice family and
 * io_uring counted (unseen-bytes notices), ClientHello reports
 * (apps/probe/test/hook-parity.test.ts):
 * - `fexit`: bpf/io_fexit.bpf.c, fexit programs on the syscall functions;
 *   runs only on those syscalls, so processes pay nothing on their other
 *   syscalls; loads on Linux 6.1 too (CO-RE reads);
 * - `tracepoints`: bpf/syscalls_io.bpf.c, sys_enter/sys_exit tracepoints;
 *   loads where the kernel refuses fexit (BPF trampolines refused, as under
 *   some lockdown settings), but once attached every syscall of every task
 *   goes through the tracing slow path (the floor of bench/host-tax.mjs);
 *   needs Linux 6.2+ (bpf_rdonly_cast).
 *
 * `auto` (the default) loads and attaches fexit, the cheaper one, and falls
 * back to the tracepoints when the kernel refuses it; the reason is kept
 * (`fallbackReason`) for the start log, probe stats, /metrics and `mcpspy
 * coverage`. MCPSPY_HOOKS=fexit|tracepoints forces one.
 */
import { join } from 'node:path';
import type { Logger } from '@mcpspy/runtime';
import { BpfObject } from './bpf-object';
import { BpfNotPermittedError, ProbeError } from './errors';

export type HookBackend = 'fexit' | 'tracepoints';
export type HookPreference = 'auto' | HookBackend;

export const HOOK_OBJECTS: Record<HookBackend, string> = { fexit: 'io_fexit', tracepoints: 'syscalls_io' };
const SECTION_PREFIX: Record<HookBackend, string> = { fexit: 'fexit/', tracepoints: 'tracepoint/' };

export class HookBackendError extends ProbeError {
  constructor(preference: HookPreference, cause: string) {
    super(`failed to load the ${preference} hook backend: ${cause}; run with MCPSPY_HOOKS=auto to fall back to tracepoints`);
  }
}

export function parseHookPreference(v: string | undefined): HookPreference {
  const s = (v ?? '').trim().toLowerCase();
  if (s === '' || s === 'auto') return 'auto';
  if (s === 'fexit' || s === 'fentry') return 'fexit';
  if (s === 'tracepoints' || s === 'tracepoint' || s === 'tp') return 'tracepoints';
  throw new ProbeError(`MCPSPY_HOOKS=${v}: expected auto, fexit or tracepoints`);
}

export interface HookChoice {
  backend: HookBackend;
  object: BpfObject;
  /** Why fexit was not used (auto only). */
  fallbackReason?: string;
}

function describe(err: unknown): string {
  if (err instanceof BpfNotPermittedError) return 'EPERM: the kernel refused to load the fexit programs';
  const e = err as { errno?: number; message?: string };
  const name = e.errno === 1 ? 'EPERM' : e.errno === 13 ? 'EACCES' : e.errno === 524 ? 'ENOTSUPP' : e.errno ? `errno ${e.errno}` : '';
  return [name, e.message ?? String(err)].filter(Boolean).join(': ');
}

/**
 * Loads the io object of the preferred backend. `load` opens, prepares and
 * loads one object file (the probe's openAndLoad). The fexit programs are
 * also attached here, so a refusal at attach time still falls back; the
 * tracepoints (and the fexit object's io_uring tracepoint) are attached
 * later by `attachHooks`.
 */
export function loadHookBackend(
  preference: HookPreference,
  dir: string,
  load: (path: string) => BpfObject,
  logger: Logger,
  /** Runs the auto-mode fexit attempt with libbpf's messages off: its refusal is expected on some kernels. */
  quietly: <T>(f: () => T) => T = (f) => f(),
): HookChoice {
  const loadFexit = (): BpfObject => {
    let o: BpfObject | undefined;
    try {
      o = load(join(dir, `${HOOK_OBJECTS.fexit}.bpf.o`));
      o.attachSections(SECTION_PREFIX.fexit);
      return o;
    } catch (err) {
      o?.destroy();
      throw err;
    }
  };
  const loadTracepoints = (): BpfObject => load(join(dir, `${HOOK_OBJECTS.tracepoints}.bpf.o`));
  if (preference === 'fexit') {
    try {
      return { backend: 'fexit', object: loadFexit() };
    } catch (err) {
      throw new HookBackendError(preference, describe(err));
    }
  }
  if (preference === 'tracepoints') return { backend: 'tracepoints', object: loadTracepoints() };
  // auto: fexit first, since it costs nothing on the syscalls it does not hook; the tracepoints where the
  // kernel refuses fexit (EPERM from BPF trampolines here under lockdown, or no BTF for the syscall functions).
  try {
    return { backend: 'fexit', object: quietly(loadFexit) };
  } catch (fxErr) {
    const fallbackReason = describe(fxErr);
    logger.info({ reason: fallbackReason }, 'fexit hooks refused by this kernel; using the syscall tracepoints');
    try {
      return { backend: 'tracepoints', object: loadTracepoints(), fallbackReason };
    } catch (tpErr) {
      throw new ProbeError(`no hook backend loads: fexit: ${fallbackReason}; tracepoints: ${describe(tpErr)}`);
    }
  }
}

/** Tracepoints both objects may carry that a kernel may lack (attached when present). */
export const OPTIONAL_TRACEPOINTS = /^tracepoint\/io_uring\//;

/**
 * Attaches what loadHookBackend left unattached: the syscall tracepoints,
 * and in both objects the io_uring tracepoint (optional). Returns the
 * optional tracepoints this kernel lacks.
 */
export function attachHooks(
  choice: HookChoice,
  /** Runs the attach with libbpf's messages off: a missing optional tracepoint is reported here, once. */
  quietly: <T>(f: () => T) => T = (f) => f(),
): { section: string; errno: number }[] {
  const skipped = quietly(() => choice.object.attachTracepoints((section) => OPTIONAL_TRACEPOINTS.test(section)));
  // io_uring_submit_sqe (before 6.4) and io_uring_submit_req (since) name one event: one attached is enough.
  const submit = /^tracepoint\/io_uring\/io_uring_submit_(sqe|req)$/;
  const submits = choice.object.sections().filter((s) => submit.test(s));
  const missing = skipped.filter((s) => submit.test(s.section));
  return missing.length < submits.length ? skipped.filter((s) => !submit.test(s.section)) : skipped;
}
