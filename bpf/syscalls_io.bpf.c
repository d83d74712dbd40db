// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data of read/write-family syscalls on pipes, unix and inet sockets.
 * Arguments are stored at sys_enter (after the cheap process filter) and the
 * data is read at sys_exit, when the real byte count is known.
 */
#define MCPSPY_TLS_MAPS
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
	__u64 tracked_sid; /* last stream of this thread that passed the prefilter */
	__s32 fd;
	__u8 dir;
	__u8 fd_type;
	__u8 is_iov;
	__u8 active;    /* set at sys_enter, cleared at sys_exit */
	__u8 tracked_type;
	__u8 pad[7];
};

/* Arguments from sys_enter to sys_exit, per thread. Task storage instead of
 * a tid-keyed hash: no hashing, no bucket lock, no delete per call, and a
 * thread that never passed the filter has no storage at all, so its
 * sys_exit ends at one pointer test. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_call);
} io_calls SEC(".maps");

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define AS(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

/* Finds what the fd points at. Only pipes and sockets are worth storing;
 * ttys and regular files end here. The walk uses direct BTF loads (the
 * verifier turns bpf_rdonly_cast into a plain move), so it costs one helper
 * call (the fd array slot) instead of one per pointer hop. */
static __always_inline int classify_fd(__s32 fd, __u8 dir, __u8 *type, __u64 *sid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	unsigned int max = fdt->max_fds;
	if (fd < 0 || (unsigned int)fd >= max)
		return 0;
	struct file **arr = fdt->fd;
	struct file *fp = NULL;
	if (bpf_probe_read_kernel(&fp, sizeof(fp), &arr[fd]) || !fp)
		return 0;
	struct file *f = AS(struct file, fp);
	struct inode *ino = f->f_inode;
	__u16 mode = ino->i_mode;
	__u64 ino_n = ino->i_ino;

	switch (mode & S_IFMT) {
	case S_IFIFO:
		*type = MCPSPY_FD_PIPE;
		*sid = ino_n;
		return 1;
	case S_IFSOCK: {
		struct socket *sock = AS(struct socket, f->private_data);
		struct sock *sk = sock->sk;
		__u16 fam = sk->__sk_common.skc_family;
		if (fam == AF_UNIX) {
			/* A direction of a socketpair is named by its writing end, so
			 * the reader reports its peer's inode, as both ends of a pipe do. */
			if (dir == MCPSPY_DIR_READ) {
				struct sock *peer = AS(struct unix_sock, sk)->peer;
				if (peer) {
					__u64 p = peer->sk_socket->file->f_inode->i_ino;
					if (p)
						ino_n = p;
				}
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

/* Ties an SSL* to the socket under it (see the TLS maps in mcpspy.bpf.h):
 * exactly when this syscall runs inside an SSL call of the same thread,
 * otherwise by the read-before-SSL_read / write-after-SSL_write order. */
static __always_inline void note_tls_socket(__s32 fd, __u64 ino, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock_ref ref = { .fd = fd, .ino = ino };
	struct ssl_key k = { .pid = id >> 32 };
	struct tls_call *tc = bpf_map_lookup_elem(&tls_calls, &id);
	if (tc) {
		k.ssl = tc->ssl;
		ref.exact = 1;
		bpf_map_update_elem(&ssl_sock, &k, &ref, BPF_ANY);
	} else if (dir == MCPSPY_DIR_WRITE) {
		__u64 *pending = bpf_map_lookup_elem(&tls_pending_write, &id);
		if (pending) {
			k.ssl = *pending;
			struct sock_ref *old = bpf_map_lookup_elem(&ssl_sock, &k);
			if (!old || !old->exact)
				bpf_map_update_elem(&ssl_sock, &k, &ref, BPF_ANY);
		}
	}
	if (dir == MCPSPY_DIR_WRITE)
		bpf_map_delete_elem(&tls_pending_write, &id);
	else
		bpf_map_update_elem(&tls_last_read, &id, &ref, BPF_ANY);
}

static __always_inline int store_call(__s32 fd, __u64 buf, __u64 iov_cnt, __u8 is_iov, __u8 dir)
{
	__u8 type;
	__u64 sid;
	if (!classify_fd(fd, dir, &type, &sid))
		return 0;
	if (type == MCPSPY_FD_INET)
		note_tls_socket(fd, sid, dir);
	struct io_call *c = bpf_task_storage_get(&io_calls, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return 0;
	c->buf = buf;
	c->iov_cnt = iov_cnt;
	c->stream_id = sid;
	c->fd = fd;
	c->dir = dir;
	c->fd_type = type;
	c->is_iov = is_iov;
	c->active = 1;
	return 0;
}

static __always_inline int on_enter(__s32 fd, __u64 buf, __u64 iov_cnt, __u8 is_iov, __u8 dir)
{
	if (!mcpspy_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	return store_call(fd, buf, iov_cnt, is_iov, dir);
}

static __always_inline int on_enter_msg(__s32 fd, __u64 umsg, __u8 dir)
{
	if (!mcpspy_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct user_msghdr m;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return 0;
	return store_call(fd, (__u64)m.msg_iov, m.msg_iovlen, 1, dir);
}

static __always_inline int on_exit(long ret)
{
	struct io_call *p = bpf_task_storage_get(&io_calls, bpf_get_current_task_btf(), 0, 0);
	if (!p || !p->active)
		return 0;
	p->active = 0;
	if (ret <= 0)
		return 0;

	/* One thread usually keeps writing to the same stream: remember the
	 * last one that passed, and skip the shared LRU lookup for it. */
	if (p->tracked_sid != p->stream_id || p->tracked_type != p->fd_type) {
		struct tracked_key tk = { .stream_id = p->stream_id, .fd_type = p->fd_type };
		if (!bpf_map_lookup_elem(&tracked, &tk)) {
			__u64 first = p->buf, first_len = ret;
			if (p->is_iov) {
				struct iovec v;
				if (p->iov_cnt == 0 || bpf_probe_read_user(&v, sizeof(v), (void *)p->buf))
					return 0;
				first = (__u64)v.iov_base;
				first_len = v.iov_len < (__u64)ret ? v.iov_len : (__u64)ret;
			}
			int ok = p->fd_type == MCPSPY_FD_INET ? looks_like_http(first, first_len)
							      : looks_like_json(first, first_len);
			if (!ok) {
				/* A ClientHello: user space checks that a TLS hook will show this connection. */
				if (p->fd_type == MCPSPY_FD_INET && p->dir == MCPSPY_DIR_WRITE &&
				    looks_like_client_hello(first, first_len))
					emit_small(MCPSPY_KIND_TLS_HELLO, p->dir, p->fd_type, p->fd, p->stream_id, first, 6);
				stat_add(MCPSPY_STAT_FILTERED, 1);
				return 0;
			}
			__u8 one = 1;
			bpf_map_update_elem(&tracked, &tk, &one, BPF_ANY);
		}
		p->tracked_sid = p->stream_id;
		p->tracked_type = p->fd_type;
	}

	if (!p->is_iov && ret <= MCPSPY_CHUNK) {
		emit_small(MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, p->buf, (__u32)ret);
		return 0;
	}
	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return 0;
	fill_header(&e->hdr, MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, ret);
	e->total = ret;
	if (p->is_iov) {
		e->iov = p->buf;
		e->iov_cnt = p->iov_cnt;
	} else {
		e->seg_base = p->buf;
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
