// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fexit hook backend: the same records as syscalls_io.bpf.c, from fexit
 * programs on the syscall functions themselves (__x64_sys_write, ...)
 * instead of the sys_enter/sys_exit tracepoints. The capture logic (fd
 * walk, prefilter, emitters, unseen-bytes counting, TLS socket hints) is
 * io_common.bpf.h, shared with the tracepoint object: both see a call once,
 * after it, with its arguments (here the pt_regs the syscall function was
 * given) and its result.
 *
 * Why there: the records need the fd and the whole call (one sendmsg with
 * its iovecs = one record), which only the syscall level has: vfs_write
 * sees neither the fd nor sockets' sendmsg, sock_sendmsg neither pipes nor
 * the fd. Why fexit: it runs only on the hooked syscalls. A syscall
 * tracepoint, once any is attached, flags every task of the machine so
 * that every one of its syscalls (getpid, futex, ...) takes the slow path
 * through the tracing hooks: that is the "empty-program floor" of
 * bench/host-tax.mjs, and what fexit avoids.
 *
 * Built without MCPSPY_IO_DIRECT_BTF (CO-RE probe reads instead of
 * bpf_rdonly_cast), so it loads on Linux 6.1 (Debian 12), where the
 * tracepoint object does not. The probe prefers this object and falls back
 * to syscalls_io.bpf.o when the kernel refuses it (fentry/fexit need BPF
 * trampolines, which some kernels or lockdown settings refuse with EPERM):
 * apps/probe/src/hook-backend.ts.
 */
#include "io_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#if defined(__TARGET_ARCH_x86)
#define SYS(name) "fexit/__x64_sys_" #name
#elif defined(__TARGET_ARCH_arm64)
#define SYS(name) "fexit/__arm64_sys_" #name
#else
#error "io_fexit.bpf.c: syscall wrapper names unknown for this architecture"
#endif

/* fexit of the syscall wrapper: its one argument is the caller's saved user
 * registers, and the program sees the result beside them. */
#define FEXIT(name, body)                                                   \
	SEC(SYS(name))                                                      \
	int BPF_PROG(fx_##name, struct pt_regs *r, long ret)                \
	{                                                                   \
		struct task_struct *t = bpf_get_current_task_btf();         \
		return body;                                                \
	}

MCPSPY_HOOKED_SYSCALLS(FEXIT)

MCPSPY_IO_URING_PROGRAMS
