/**
 * Errors of the probe. Setup errors say what to run, because the person who
 * sees them is usually starting mcpspy for the first time.
 */
import { McpspyError } from '@mcpspy/events';

export class ProbeError extends McpspyError {}

/** The host cannot run the probe as configured; the message says what to do. */
export class ProbeSetupError extends ProbeError {}

export class NotRootError extends ProbeSetupError {
  constructor() {
    super(
      'failed to start probe: loading eBPF programs needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN); run `sudo mcpspy`, or use `mcpspy replay FILE` to work without root',
    );
  }
}

export class BtfMissingError extends ProbeSetupError {
  constructor() {
    super(
      'failed to start probe: /sys/kernel/btf/vmlinux is missing; the kernel must be built with CONFIG_DEBUG_INFO_BTF=y (any recent distribution kernel is)',
    );
  }
}

export class LibbpfMissingError extends ProbeSetupError {
  constructor(options?: { cause?: unknown }) {
    super('failed to load libbpf.so.1: install it with `apt-get install libbpf1` (Debian/Ubuntu) or `dnf install libbpf`', options);
  }
}

export class BpfObjectsMissingError extends ProbeSetupError {
  constructor(readonly path: string) {
    super(`failed to find BPF object ${path}: build them with \`make -C bpf\` (or \`npm start\`, which runs the set-up)`);
  }
}

export class BpfNotPermittedError extends ProbeSetupError {
  constructor(what: string, errno: number) {
    super(
      `failed to load ${what}: the kernel refused BPF (errno ${errno}); run as root, check kernel.unprivileged_bpf_disabled and that no security module (lockdown=confidentiality, SELinux, seccomp of a container) blocks bpf(); containers need --privileged and pid: host`,
    );
  }
}

export class BpfLoadError extends ProbeError {
  constructor(
    what: string,
    readonly errno: number,
    detail = '',
  ) {
    super(`failed to load ${what}: errno ${errno}${detail ? `: ${detail}` : ''}`);
  }
}

export class AttachError extends ProbeError {
  constructor(what: string, errno: number) {
    super(`failed to attach ${what}: errno ${errno}`);
  }
}

export class TracefsMountError extends ProbeSetupError {
  constructor(errno: number) {
    super(`failed to mount tracefs on /sys/kernel/tracing: errno ${errno}; run \`mount -t tracefs nodev /sys/kernel/tracing\` as root`);
  }
}

/** A capture file that is not one, or whose content is damaged. */
export class CaptureFormatError extends ProbeError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`failed to read capture ${path}: ${detail}`, options);
  }
}

export class CaptureWriteError extends ProbeError {
  constructor(path: string, options?: { cause?: unknown }) {
    const reason = (options?.cause as { reason?: unknown } | undefined)?.reason;
    const d = typeof reason === 'string' ? reason : options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to write capture ${path}: ${d}`, options);
  }
}
