// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data of read/write-family syscalls on pipes, unix and inet sockets.
 * Arguments are stored at sys_enter (after the cheap process filter) and the
 * data is read at sys_exit, when the real byte count is known.
 */
#include "mcpspy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

struct io_call {
	__u64 buf;      /* user buffer, or iovec array when is_iov */
	__u64 iov_cnt;
	__u64 stream_id;
	__s32 fd;
	__u8 dir;
	__u8 fd_type;
	__u8 is_iov;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct io_call);
} io_calls SEC(".maps");

static __always_inline __u64 unix_peer_ino(struct sock *sk)
{
	struct unix_sock *u = (struct unix_sock *)sk;
	struct sock *peer = BPF_CORE_READ(u, peer);
	if (!peer)
		return 0;
	return BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino);
}

/* Finds what the fd points at. Only pipes and sockets are worth storing;
 * ttys and regular files end here. */
static __always_inline int classify_fd(__s32 fd, __u8 dir, __u8 *type, __u64 *sid)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd < 0 || (unsigned int)fd >= max)
		return 0;
	struct file **arr = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]) || !f)
		return 0;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	__u16 mode = BPF_CORE_READ(ino, i_mode);
	__u64 ino_n = BPF_CORE_READ(ino, i_ino);

	switch (mode & S_IFMT) {
	case S_IFIFO:
		*type = MCPSPY_FD_PIPE;
		*sid = ino_n;
		return 1;
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
		if (fam == AF_UNIX) {
			/* A direction of a socketpair is named by its writing end, so
			 * the reader reports its peer's inode, as both ends of a pipe do. */
			if (dir == MCPSPY_DIR_READ) {
				__u64 p = unix_peer_ino(sk);
				if (p)
					ino_n = p;
			}
			*type = MCPSPY_FD_UNIX;
			*sid = ino_n;
			return 1;
		}
		if (fam == AF_INET || fam == AF_INET6) {
			*type = MCPSPY_FD_INET;
			*sid = ino_n;
			return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static __always_inline int on_enter(__s32 fd, __u64 buf, __u64 iov_cnt, __u8 is_iov, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct io_call c = { .buf = buf, .iov_cnt = iov_cnt, .fd = fd, .dir = dir, .is_iov = is_iov };
	if (!classify_fd(fd, dir, &c.fd_type, &c.stream_id))
		return 0;
	bpf_map_update_elem(&io_calls, &id, &c, BPF_ANY);
	return 0;
}

static __always_inline int on_enter_msg(__s32 fd, __u64 umsg, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct user_msghdr m;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return 0;
	struct io_call c = { .buf = (__u64)m.msg_iov, .iov_cnt = m.msg_iovlen, .fd = fd, .dir = dir, .is_iov = 1 };
	if (!classify_fd(fd, dir, &c.fd_type, &c.stream_id))
		return 0;
	bpf_map_update_elem(&io_calls, &id, &c, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct io_call *p = bpf_map_lookup_elem(&io_calls, &id);
	if (!p)
		return 0;
	struct io_call c = *p;
	bpf_map_delete_elem(&io_calls, &id);
	if (ret <= 0)
		return 0;

	struct tracked_key tk = { .stream_id = c.stream_id, .fd_type = c.fd_type };
	if (!bpf_map_lookup_elem(&tracked, &tk)) {
		__u64 first = c.buf, first_len = ret;
		if (c.is_iov) {
			struct iovec v;
			if (c.iov_cnt == 0 || bpf_probe_read_user(&v, sizeof(v), (void *)c.buf))
				return 0;
			first = (__u64)v.iov_base;
			first_len = v.iov_len < (__u64)ret ? v.iov_len : (__u64)ret;
		}
		int ok = c.fd_type == MCPSPY_FD_INET ? looks_like_http(first, first_len)
						     : looks_like_json(first, first_len);
		if (!ok) {
			stat_add(MCPSPY_STAT_FILTERED, 1);
			return 0;
		}
		__u8 one = 1;
		bpf_map_update_elem(&tracked, &tk, &one, BPF_ANY);
	}

	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return 0;
	fill_header(&e->hdr, MCPSPY_KIND_IO, c.dir, c.fd_type, c.fd, c.stream_id, ret);
	e->total = ret;
	if (c.is_iov) {
		e->iov = c.buf;
		e->iov_cnt = c.iov_cnt;
	} else {
		e->seg_base = c.buf;
		e->seg_left = ret;
	}
	emit_call(e);
	return 0;
}

#define ENTER_BUF(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		return on_enter((__s32)ctx->args[0], ctx->args[1], 0, 0, dir);      \
	}
#define ENTER_IOV(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		return on_enter((__s32)ctx->args[0], ctx->args[1], ctx->args[2], 1, dir); \
	}
#define ENTER_MSG(name, dir)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                 \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)              \
	{                                                                           \
		return on_enter_msg((__s32)ctx->args[0], ctx->args[1], dir);        \
	}
#define EXIT(name)                                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                  \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                           \
		return on_exit(ctx->ret);                                           \
	}

ENTER_BUF(read, MCPSPY_DIR_READ)
ENTER_BUF(write, MCPSPY_DIR_WRITE)
ENTER_BUF(recvfrom, MCPSPY_DIR_READ)
ENTER_BUF(sendto, MCPSPY_DIR_WRITE)
ENTER_IOV(readv, MCPSPY_DIR_READ)
ENTER_IOV(writev, MCPSPY_DIR_WRITE)
ENTER_MSG(recvmsg, MCPSPY_DIR_READ)
ENTER_MSG(sendmsg, MCPSPY_DIR_WRITE)
EXIT(read)
EXIT(write)
EXIT(recvfrom)
EXIT(sendto)
EXIT(readv)
EXIT(writev)
EXIT(recvmsg)
EXIT(sendmsg)
