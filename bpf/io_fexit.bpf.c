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
#define ARG0(r) ((r)->di)
#define ARG1(r) ((r)->si)
#define ARG2(r) ((r)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define SYS(name) "fexit/__arm64_sys_" #name
#define ARG0(r) ((r)->regs[0])
#define ARG1(r) ((r)->regs[1])
#define ARG2(r) ((r)->regs[2])
#else
#error "io_fexit.bpf.c: syscall wrapper names unknown for this architecture"
#endif

#define FX_BUF(name, dir)                                                   \
	SEC(SYS(name))                                                      \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)             \
	{                                                                   \
		return call_buf((__s32)ARG0(regs), ARG1(regs), dir, ret);   \
	}
#define FX_VEC(name, dir, shape)                                            \
	SEC(SYS(name))                                                      \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)             \
	{                                                                   \
		return call_vec((__s32)ARG0(regs), ARG1(regs), ARG2(regs), shape, dir, ret); \
	}
#define FX_MSG(name, dir)                                                   \
	SEC(SYS(name))                                                      \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)             \
	{                                                                   \
		return call_msg((__s32)ARG0(regs), ARG1(regs), dir, ret);   \
	}

FX_BUF(read, MCPSPY_DIR_READ)
FX_BUF(write, MCPSPY_DIR_WRITE)
FX_BUF(recvfrom, MCPSPY_DIR_READ)
FX_BUF(sendto, MCPSPY_DIR_WRITE)
FX_VEC(readv, MCPSPY_DIR_READ, SHAPE_IOV)
FX_VEC(writev, MCPSPY_DIR_WRITE, SHAPE_IOV)
/* As in syscalls_io.bpf.c: of the positional calls only these move bytes on
 * a pipe or socket (offset -1). */
FX_VEC(preadv2, MCPSPY_DIR_READ, SHAPE_IOV)
FX_VEC(pwritev2, MCPSPY_DIR_WRITE, SHAPE_IOV)
FX_MSG(recvmsg, MCPSPY_DIR_READ)
FX_MSG(sendmsg, MCPSPY_DIR_WRITE)
FX_VEC(recvmmsg, MCPSPY_DIR_READ, SHAPE_MMSG)
FX_VEC(sendmmsg, MCPSPY_DIR_WRITE, SHAPE_MMSG)

SEC(SYS(vmsplice))
int BPF_PROG(fx_vmsplice, struct pt_regs *regs, long ret)
{
	return call_vmsplice((__s32)ARG0(regs), ARG1(regs), ARG2(regs), ret);
}

/* splice(fd_in, off_in, fd_out, ...), tee(fd_in, fd_out, ...), sendfile(out_fd, in_fd, ...) */
SEC(SYS(splice))
int BPF_PROG(fx_splice, struct pt_regs *regs, long ret)
{
	return call_unseen((__s32)ARG0(regs), (__s32)ARG2(regs), MCPSPY_UNSEEN_SPLICE, ret);
}

SEC(SYS(tee))
int BPF_PROG(fx_tee, struct pt_regs *regs, long ret)
{
	return call_unseen((__s32)ARG0(regs), (__s32)ARG1(regs), MCPSPY_UNSEEN_TEE, ret);
}

SEC(SYS(sendfile64))
int BPF_PROG(fx_sendfile64, struct pt_regs *regs, long ret)
{
	return call_unseen((__s32)ARG1(regs), (__s32)ARG0(regs), MCPSPY_UNSEEN_SENDFILE, ret);
}

/* A plain tracepoint: it does not put other syscalls on the slow path. */
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
