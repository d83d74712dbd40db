// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data of read/write-family syscalls on pipes, unix and inet sockets.
 * Arguments are stored at sys_enter (after the cheap process filter) and the
 * data is read at sys_exit, when the real byte count is known. The capture
 * logic is in io_common.bpf.h, shared with the fexit object (io_fexit.bpf.c).
 */
/* bpf_rdonly_cast walks (Linux 6.2+): the fexit object has the CO-RE build. */
#define MCPSPY_IO_DIRECT_BTF
#include "io_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int on_exit(long ret, const __u8 shape)
{
	return finish_call(bpf_task_storage_get(&io_calls, bpf_get_current_task_btf(), 0, 0), ret, shape);
}

#define ENTER_BUF(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		on_enter((__s32)ctx->args[0], ctx->args[1], 0, SHAPE_BUF, dir);   \
		return 0;                                                           \
	}
#define ENTER_IOV(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		on_enter((__s32)ctx->args[0], ctx->args[1], ctx->args[2], SHAPE_IOV, dir); \
		return 0;                                                           \
	}
#define ENTER_MSG(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		on_enter_msg((__s32)ctx->args[0], ctx->args[1], dir);               \
		return 0;                                                           \
	}
#define ENTER_MMSG(name, dir)                                                       \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		on_enter((__s32)ctx->args[0], ctx->args[1], ctx->args[2], SHAPE_MMSG, dir); \
		return 0;                                                           \
	}
#define EXIT(name, shape)                                                           \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                  \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                           \
		return on_exit(ctx->ret, shape);                                    \
	}

ENTER_BUF(read, MCPSPY_DIR_READ)
ENTER_BUF(write, MCPSPY_DIR_WRITE)
ENTER_BUF(recvfrom, MCPSPY_DIR_READ)
ENTER_BUF(sendto, MCPSPY_DIR_WRITE)
ENTER_IOV(readv, MCPSPY_DIR_READ)
ENTER_IOV(writev, MCPSPY_DIR_WRITE)
/* Of the positional calls only these move bytes on a pipe or socket, at
 * offset -1 (the current position): pread64, pwrite64, preadv and pwritev
 * fail there with ESPIPE before touching a byte (no FMODE_PREAD/PWRITE), so
 * they are not hooked and cost nothing. */
ENTER_IOV(preadv2, MCPSPY_DIR_READ)
ENTER_IOV(pwritev2, MCPSPY_DIR_WRITE)
ENTER_MSG(recvmsg, MCPSPY_DIR_READ)
ENTER_MSG(sendmsg, MCPSPY_DIR_WRITE)
ENTER_MMSG(recvmmsg, MCPSPY_DIR_READ)
ENTER_MMSG(sendmmsg, MCPSPY_DIR_WRITE)
EXIT(read, SHAPE_BUF)
EXIT(write, SHAPE_BUF)
EXIT(recvfrom, SHAPE_BUF)
EXIT(sendto, SHAPE_BUF)
EXIT(readv, SHAPE_IOV)
EXIT(writev, SHAPE_IOV)
EXIT(preadv2, SHAPE_IOV)
EXIT(pwritev2, SHAPE_IOV)
EXIT(recvmsg, SHAPE_IOV)
EXIT(sendmsg, SHAPE_IOV)
EXIT(recvmmsg, SHAPE_MMSG)
EXIT(sendmmsg, SHAPE_MMSG)

SEC("tracepoint/syscalls/sys_enter_vmsplice")
int handle_enter_vmsplice(struct trace_event_raw_sys_enter *ctx)
{
	on_enter_vmsplice((__s32)ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}
EXIT(vmsplice, SHAPE_IOV)

SEC("tracepoint/syscalls/sys_enter_splice")
int handle_enter_splice(struct trace_event_raw_sys_enter *ctx)
{
	/* splice(fd_in, off_in, fd_out, off_out, len, flags) */
	on_enter_unseen((__s32)ctx->args[0], (__s32)ctx->args[2], MCPSPY_UNSEEN_SPLICE);
	return 0;
}
EXIT(splice, SHAPE_UNSEEN)

SEC("tracepoint/syscalls/sys_enter_tee")
int handle_enter_tee(struct trace_event_raw_sys_enter *ctx)
{
	on_enter_unseen((__s32)ctx->args[0], (__s32)ctx->args[1], MCPSPY_UNSEEN_TEE);
	return 0;
}
EXIT(tee, SHAPE_UNSEEN)

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int handle_enter_sendfile64(struct trace_event_raw_sys_enter *ctx)
{
	/* sendfile(out_fd, in_fd, offset, count) */
	on_enter_unseen((__s32)ctx->args[1], (__s32)ctx->args[0], MCPSPY_UNSEEN_SENDFILE);
	return 0;
}
EXIT(sendfile64, SHAPE_UNSEEN)

SEC("tracepoint/io_uring/io_uring_submit_req")
int handle_io_uring_submit(struct trace_event_raw_io_uring_submit_req *ctx)
{
	return on_uring_submit(ctx);
}
