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

#if defined(__TARGET_ARCH_x86)
#define ARG0(r) ((r)->di)
#define ARG1(r) ((r)->si)
#define ARG2(r) ((r)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define ARG0(r) ((r)->regs[0])
#define ARG1(r) ((r)->regs[1])
#define ARG2(r) ((r)->regs[2])
#else
#error "syscalls_io.bpf.c: syscall argument registers unknown for this architecture"
#endif

/* The calling task's user registers as saved at syscall entry. */
#define USER_REGS() ((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()))

#define EXIT_BUF(name, dir)                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                   \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                            \
		struct pt_regs *r = USER_REGS();                                     \
		return call_buf((__s32)ARG0(r), ARG1(r), dir, ctx->ret);             \
	}
#define EXIT_VEC(name, dir, shape)                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                   \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                            \
		struct pt_regs *r = USER_REGS();                                     \
		return call_vec((__s32)ARG0(r), ARG1(r), ARG2(r), shape, dir, ctx->ret); \
	}
#define EXIT_MSG(name, dir)                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                   \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                            \
		struct pt_regs *r = USER_REGS();                                     \
		return call_msg((__s32)ARG0(r), ARG1(r), dir, ctx->ret);             \
	}

EXIT_BUF(read, MCPSPY_DIR_READ)
EXIT_BUF(write, MCPSPY_DIR_WRITE)
EXIT_BUF(recvfrom, MCPSPY_DIR_READ)
EXIT_BUF(sendto, MCPSPY_DIR_WRITE)
EXIT_VEC(readv, MCPSPY_DIR_READ, SHAPE_IOV)
EXIT_VEC(writev, MCPSPY_DIR_WRITE, SHAPE_IOV)
/* Of the positional calls only these move bytes on a pipe or socket, at
 * offset -1 (the current position): pread64, pwrite64, preadv and pwritev
 * fail there with ESPIPE before touching a byte (no FMODE_PREAD/PWRITE), so
 * they are not hooked and cost nothing. */
EXIT_VEC(preadv2, MCPSPY_DIR_READ, SHAPE_IOV)
EXIT_VEC(pwritev2, MCPSPY_DIR_WRITE, SHAPE_IOV)
EXIT_MSG(recvmsg, MCPSPY_DIR_READ)
EXIT_MSG(sendmsg, MCPSPY_DIR_WRITE)
EXIT_VEC(recvmmsg, MCPSPY_DIR_READ, SHAPE_MMSG)
EXIT_VEC(sendmmsg, MCPSPY_DIR_WRITE, SHAPE_MMSG)

SEC("tracepoint/syscalls/sys_exit_vmsplice")
int handle_exit_vmsplice(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *r = USER_REGS();
	return call_vmsplice((__s32)ARG0(r), ARG1(r), ARG2(r), ctx->ret);
}

/* splice(fd_in, off_in, fd_out, ...), tee(fd_in, fd_out, ...), sendfile(out_fd, in_fd, ...) */
SEC("tracepoint/syscalls/sys_exit_splice")
int handle_exit_splice(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *r = USER_REGS();
	return call_unseen((__s32)ARG0(r), (__s32)ARG2(r), MCPSPY_UNSEEN_SPLICE, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tee")
int handle_exit_tee(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *r = USER_REGS();
	return call_unseen((__s32)ARG0(r), (__s32)ARG1(r), MCPSPY_UNSEEN_TEE, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int handle_exit_sendfile64(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *r = USER_REGS();
	return call_unseen((__s32)ARG1(r), (__s32)ARG0(r), MCPSPY_UNSEEN_SENDFILE, ctx->ret);
}

SEC("tracepoint/io_uring/io_uring_submit_req")
int handle_io_uring_submit(struct trace_event_raw_io_uring_submit_req *ctx)
{
	return on_uring_submit(ctx);
}

SEC("tracepoint/io_uring/io_uring_submit_sqe")
int handle_io_uring_submit_sqe(struct trace_event_raw_io_uring_submit_sqe *ctx)
{
	return on_uring_submit_sqe(ctx);
}
