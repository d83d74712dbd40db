// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data of read/write-family syscalls on pipes, unix and inet sockets, from
 * the sys_exit tracepoints alone: the result is known there, and the
 * arguments are still in the task's saved user registers (x86-64: di, si,
 * dx; arm64: regs[0..2]), so no sys_enter program runs, no state crosses
 * from entry to exit, and the syscalls of unwatched processes pay one
 * program run, not two. The capture logic is io_common.bpf.h, shared with
 * the fexit object (io_fexit.bpf.c): both see a call the same way, after it.
 */
/* bpf_rdonly_cast walks (Linux 6.2+): the fexit object has the CO-RE build. */
#define MCPSPY_IO_DIRECT_BTF
#include "io_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The calling task's user registers as saved at syscall entry. */
#define USER_REGS(t) ((struct pt_regs *)bpf_task_pt_regs(t))

#define EXIT(name, body)                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                          \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)        \
	{                                                                   \
		struct task_struct *t = bpf_get_current_task_btf();         \
		struct pt_regs *r = USER_REGS(t);                           \
		long ret = ctx->ret;                                        \
		return body;                                                \
	}

MCPSPY_HOOKED_SYSCALLS(EXIT)

MCPSPY_IO_URING_PROGRAMS
