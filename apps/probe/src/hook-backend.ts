/**
 * Which kernel hooks capture read/write-family syscall data. Both backends
 * produce the same ring records (bpf/include/events.h, kind IO):
 * - `fexit`: bpf/io_fexit.bpf.c, fexit programs on the eight syscall
 *   functions; runs only on those syscalls, so processes pay nothing on
 *   their other syscalls;
 * - `tracepoints`: bpf/syscalls_io.bpf.c, sys_enter/sys_exit tracepoints;
 *   loads wherever BPF does, but once attached every syscall of every task
 *   goes through the tracing slow path (the floor of bench/host-tax.mjs).
 *
 * `auto` (the default) loads the tracepoint object, which has every capture
 * path, and falls back to fexit when the kernel refuses it (Linux 6.1 lacks
 * helpers it uses). `MCPSPY_HOOKS=fexit` chooses the cheaper backend where
 * the kernel allows it: the eight core syscalls only, without the newer
 * paths (preadv2/pwritev2, sendmmsg/recvmmsg, vmsplice, splice-family and
 * io_uring counting, ClientHello reports). MCPSPY_HOOKS=tracepoints forces them.
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
  /** Why the tracepoint object was not used (auto only). */
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
 * loads one object file (the probe's openAndLoad). The fexit object is also
 * attached here, so a refusal at attach time still falls back; the
 * tracepoint object is returned loaded, attached later by `attachHooks`.
 */
export function loadHookBackend(
  preference: HookPreference,
  dir: string,
  load: (path: string) => BpfObject,
  logger: Logger,
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
  if (preference === 'fexit') {
    try {
      return { backend: 'fexit', object: loadFexit() };
    } catch (err) {
      throw new HookBackendError(preference, describe(err));
    }
  }
  if (preference === 'tracepoints') return { backend: 'tracepoints', object: load(join(dir, `${HOOK_OBJECTS.tracepoints}.bpf.o`)) };
  // auto: the tracepoint object first, since it alone has the newer capture paths (preadv2/pwritev2, mmsg,
  // vmsplice, the splice family and io_uring counted, ClientHello reports); fexit where the kernel refuses it
  // (Debian 12's 6.1 lacks what the tracepoint object needs), or by choice with MCPSPY_HOOKS=fexit.
  try {
    return { backend: 'tracepoints', object: load(join(dir, `${HOOK_OBJECTS.tracepoints}.bpf.o`)) };
  } catch (tpErr) {
    const fallbackReason = describe(tpErr).replace('EPERM: the kernel refused to load the fexit programs', 'EPERM');
    logger.info({ reason: fallbackReason }, 'syscall tracepoint object refused by this kernel; trying fexit hooks');
    try {
      return { backend: 'fexit', object: loadFexit(), fallbackReason };
    } catch {
      throw tpErr;
    }
  }
}

/** Attaches what loadHookBackend left unattached (the tracepoints). */
export function attachHooks(choice: HookChoice): void {
  if (choice.backend === 'tracepoints') choice.object.attachSections(SECTION_PREFIX.tracepoints);
}
