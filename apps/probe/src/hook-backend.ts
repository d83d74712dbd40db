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
 * `auto` (the default) tries fexit and falls back to tracepoints when the
 * kernel refuses it (no BPF trampoline, lockdown, EPERM) or cannot attach it.
 * MCPSPY_HOOKS=fexit|tracepoints|auto overrides the choice.
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
  /** Why fexit was not used (auto only), e.g. "EPERM (operation not permitted) at load". */
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
  let fallbackReason: string | undefined;
  if (preference !== 'tracepoints') {
    let o: BpfObject | undefined;
    try {
      o = load(join(dir, `${HOOK_OBJECTS.fexit}.bpf.o`));
      o.attachSections(SECTION_PREFIX.fexit);
      return { backend: 'fexit', object: o };
    } catch (err) {
      o?.destroy();
      if (preference === 'fexit') throw new HookBackendError(preference, describe(err));
      fallbackReason = describe(err);
      logger.info({ reason: fallbackReason }, 'fexit hooks refused by this kernel; using syscall tracepoints');
    }
  }
  return { backend: 'tracepoints', object: load(join(dir, `${HOOK_OBJECTS.tracepoints}.bpf.o`)), fallbackReason };
}

/** Attaches what loadHookBackend left unattached (the tracepoints). */
export function attachHooks(choice: HookChoice): void {
  if (choice.backend === 'tracepoints') choice.object.attachSections(SECTION_PREFIX.tracepoints);
}
