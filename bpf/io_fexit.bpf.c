// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fexit hook backend: the same records as syscalls_io.bpf.c (kind IO,
 * same header, stream ids, chunks, prefilter, loss accounting, TLS socket
 * hints), from fexit programs on the syscall functions themselves
 * (__x64_sys_write, ...), instead of the sys_enter/sys_exit tracepoints.
 *
 * Why there: the records need the fd and the whole call (one sendmsg with
 * its iovecs = one record), which only the syscall level has: vfs_write
 * sees neither the fd nor sockets' sendmsg, sock_sendmsg neither pipes nor
 * the fd. Why fexit: one program per syscall sees the arguments (the saved
 * pt_regs) and the result together, so no per-thread state crosses from
 * entry to exit; and it runs only on these eight syscalls. A syscall
 * tracepoint, once any is attached, flags every task of the machine so
 * that every one of its syscalls (getpid, futex, ...) takes the slow path
 * through the tracing hooks: that is the "empty-program floor" of
 * bench/host-tax.mjs, and what fexit avoids.
 *
 * Kept loadable on older kernels than the tracepoint object (Debian 12's
 * 6.1 has no bpf_rdonly_cast): the fd walk uses CO-RE probe reads. The probe
 * loads this object first; when the kernel refuses it (fentry/fexit need
 * BPF trampolines, which some kernels or lockdown settings refuse with
 * EPERM) it falls back to syscalls_io.bpf.o (apps/probe/src/hook-backend.ts).
 */
#define MCPSPY_TLS_MAPS
#include "mcpspy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

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

/* What the fd points at; only pipes, unix and inet sockets are captured. */
static __always_inline int classify_fd(__s32 fd, __u8 dir, __u8 *type, __u64 *sid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt)
		return 0;
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
			/* As syscalls_io.bpf.c: a reader reports its peer's inode. */
			if (dir == MCPSPY_DIR_READ) {
				struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
				if (peer) {
					__u64 p = BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino);
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

/* Same hints as syscalls_io.bpf.c's note_tls_socket. Here it runs after the
 * syscall instead of before: a read still precedes the SSL_read that
 * decrypts it, and a write inside an SSL call is still inside it. */
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

static __always_inline int on_call(__s32 fd, __u64 buf, __u64 iov_cnt, __u8 is_iov, __u8 dir, long ret)
{
	if (!mcpspy_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u8 type;
	__u64 sid;
	if (!classify_fd(fd, dir, &type, &sid))
		return 0;
	if (type == MCPSPY_FD_INET)
		note_tls_socket(fd, sid, dir);
	if (ret <= 0)
		return 0;

	struct tracked_key tk = { .stream_id = sid, .fd_type = type };
	if (!bpf_map_lookup_elem(&tracked, &tk)) {
		__u64 first = buf, first_len = ret;
		if (is_iov) {
			struct iovec v;
			if (iov_cnt == 0 || bpf_probe_read_user(&v, sizeof(v), (void *)buf))
				return 0;
			first = (__u64)v.iov_base;
			first_len = v.iov_len < (__u64)ret ? v.iov_len : (__u64)ret;
		}
		int ok = type == MCPSPY_FD_INET ? looks_like_http(first, first_len) : looks_like_json(first, first_len);
		if (!ok) {
			stat_add(MCPSPY_STAT_FILTERED, 1);
			return 0;
		}
		__u8 one = 1;
		bpf_map_update_elem(&tracked, &tk, &one, BPF_ANY);
	}

	if (!is_iov && ret <= MCPSPY_CHUNK) {
		emit_small(MCPSPY_KIND_IO, dir, type, fd, sid, buf, (__u32)ret);
		return 0;
	}
	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return 0;
	fill_header(&e->hdr, MCPSPY_KIND_IO, dir, type, fd, sid, ret);
	e->total = ret;
	if (is_iov) {
		e->iov = buf;
		e->iov_cnt = iov_cnt;
	} else {
		e->seg_base = buf;
		e->seg_left = ret;
	}
	emit_call(e);
	return 0;
}

static __always_inline int on_msg(__s32 fd, __u64 umsg, __u8 dir, long ret)
{
	if (ret <= 0)
		return 0;
	struct user_msghdr m;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return 0;
	return on_call(fd, (__u64)m.msg_iov, m.msg_iovlen, 1, dir, ret);
}

#define FX_BUF(name, dir)                                                           \
	SEC(SYS(name))                                                              \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)                     \
	{                                                                           \
		return on_call((__s32)ARG0(regs), ARG1(regs), 0, 0, dir, ret);      \
	}
#define FX_IOV(name, dir)                                                           \
	SEC(SYS(name))                                                              \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)                     \
	{                                                                           \
		return on_call((__s32)ARG0(regs), ARG1(regs), ARG2(regs), 1, dir, ret); \
	}
#define FX_MSG(name, dir)                                                           \
	SEC(SYS(name))                                                              \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)                     \
	{                                                                           \
		return on_msg((__s32)ARG0(regs), ARG1(regs), dir, ret);             \
	}

FX_BUF(read, MCPSPY_DIR_READ)
FX_BUF(write, MCPSPY_DIR_WRITE)
FX_BUF(recvfrom, MCPSPY_DIR_READ)
FX_BUF(sendto, MCPSPY_DIR_WRITE)
FX_IOV(readv, MCPSPY_DIR_READ)
FX_IOV(writev, MCPSPY_DIR_WRITE)
FX_MSG(recvmsg, MCPSPY_DIR_READ)
FX_MSG(sendmsg, MCPSPY_DIR_WRITE)
