// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext at the read/write calls of the TLS libraries:
 *  - OpenSSL/BoringSSL SSL_read/SSL_write (+ _ex) and GnuTLS
 *    gnutls_record_recv/send, which share the C shape (ctx, buf, len) ->
 *    int/ssize_t. Arguments are kept at entry and the data is emitted at
 *    return only when the call succeeded: Node retries SSL_write during the
 *    handshake, so an entry-only probe would report the same bytes several
 *    times. The attach cookie names the library (enum mcpspy_tls_lib).
 *  - Go crypto/tls (*Conn).Read/Write: register ABI, and no uretprobe (a
 *    return probe rewrites the return address on the goroutine stack, which
 *    Go moves; the program then crashes). Read: the loader puts a plain
 *    uprobe on every RET of the function, and calls are keyed by goroutine
 *    (R14 holds the g pointer), since a goroutine may resume on another
 *    thread. Write is emitted at entry (see handle_go_write_enter).
 */
#define MCPSPY_TLS_MAPS
#include "mcpspy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Go calls in flight, by (pid, goroutine). */
struct go_key {
	__u64 g;
	__u32 pid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct tls_call);
} go_tls_calls SEC(".maps");

static __always_inline int on_enter(struct pt_regs *ctx, __u8 dir, __u8 is_ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct tls_call c = {
		.ssl = PT_REGS_PARM1(ctx),
		.buf = PT_REGS_PARM2(ctx),
		.out_len = is_ex ? PT_REGS_PARM4(ctx) : 0,
		.dir = dir,
		.is_ex = is_ex,
		.lib = (__u8)bpf_get_attach_cookie(ctx),
	};
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int handle_ssl_read_enter(struct pt_regs *ctx) { return on_enter(ctx, MCPSPY_DIR_READ, 0); }
SEC("uprobe")
int handle_ssl_read_ex_enter(struct pt_regs *ctx) { return on_enter(ctx, MCPSPY_DIR_READ, 1); }
SEC("uprobe")
int handle_ssl_write_enter(struct pt_regs *ctx) { return on_enter(ctx, MCPSPY_DIR_WRITE, 0); }
SEC("uprobe")
int handle_ssl_write_ex_enter(struct pt_regs *ctx) { return on_enter(ctx, MCPSPY_DIR_WRITE, 1); }

/* The n plaintext bytes of one successful call. */
static __always_inline void emit_tls(struct tls_call *c, __u64 n, __u64 id)
{
	/* TLS contexts are per process pointers, so the pid is part of the key. */
	struct tracked_key tk = { .stream_id = c->ssl, .pid = id >> 32, .fd_type = MCPSPY_FD_NONE };
	if (!bpf_map_lookup_elem(&tracked, &tk)) {
		if (!looks_like_http(c->buf, n)) {
			stat_add(MCPSPY_STAT_FILTERED, 1);
			return;
		}
		__u8 one = 1;
		bpf_map_update_elem(&tracked, &tk, &one, BPF_ANY);
	}

	/* The socket under this context, when the syscall side has seen it. */
	struct ssl_key sk = { .ssl = c->ssl, .pid = id >> 32 };
	struct sock_ref *bound = bpf_map_lookup_elem(&ssl_sock, &sk);
	if ((!bound || !bound->exact) && c->lib != MCPSPY_TLS_GO) {
		if (c->dir == MCPSPY_DIR_READ) {
			struct sock_ref *r = bpf_map_lookup_elem(&tls_last_read, &id);
			if (r) {
				struct sock_ref v = { .fd = r->fd, .ino = r->ino };
				bpf_map_update_elem(&ssl_sock, &sk, &v, BPF_ANY);
				bound = bpf_map_lookup_elem(&ssl_sock, &sk);
			}
		} else {
			bpf_map_update_elem(&tls_pending_write, &id, &c->ssl, BPF_ANY);
		}
	}
	__u8 fd_type = MCPSPY_FD_NONE;
	__s32 fd = -1;
	if (bound) {
		fd_type = MCPSPY_FD_INET;
		fd = bound->fd;
	}
	__u8 lib_flags = (c->lib << MCPSPY_F_TLS_LIB_SHIFT) & MCPSPY_F_TLS_LIB_MASK;

	if (n <= MCPSPY_CHUNK) {
		emit_small_flags(MCPSPY_KIND_TLS, c->dir, fd_type, fd, c->ssl, c->buf, (__u32)n, lib_flags);
		return;
	}
	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return;
	fill_header(&e->hdr, MCPSPY_KIND_TLS, c->dir, fd_type, fd, c->ssl, n);
	e->hdr.flags = lib_flags;
	e->total = n;
	e->seg_base = c->buf;
	e->seg_left = n;
	emit_call(e);
}

SEC("uretprobe")
int handle_ssl_exit(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *p = bpf_map_lookup_elem(&tls_calls, &id);
	if (!p)
		return 0;
	struct tls_call c = *p;
	bpf_map_delete_elem(&tls_calls, &id);

	long ret = PT_REGS_RC(ctx);
	__u64 n;
	if (c.is_ex) {
		if ((int)ret != 1 || !c.out_len)
			return 0;
		if (bpf_probe_read_user(&n, sizeof(n), (void *)c.out_len)) {
			stat_add(MCPSPY_STAT_READ_FAULTS, 1);
			return 0;
		}
	} else if (c.lib == MCPSPY_TLS_GNUTLS) {
		/* ssize_t: GnuTLS error codes are negative, 0 is EOF */
		if (ret <= 0)
			return 0;
		n = (__u64)ret;
	} else {
		if ((int)ret <= 0)
			return 0;
		n = (__u32)(int)ret;
	}
	if (n == 0)
		return 0;
	emit_tls(&c, n, id);
	return 0;
}

#if defined(__TARGET_ARCH_x86)
/* Go ABIInternal on amd64: receiver in RAX, the []byte in RBX (ptr) / RCX
 * (len); results n in RAX, error in RBX:RCX; the goroutine in R14. */
static __always_inline int go_enter(struct pt_regs *ctx, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct go_key k = { .g = ctx->r14, .pid = id >> 32 };
	struct tls_call c = {
		.ssl = ctx->ax,
		.buf = ctx->bx,
		.dir = dir,
		.lib = MCPSPY_TLS_GO,
	};
	bpf_map_update_elem(&go_tls_calls, &k, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int handle_go_read_enter(struct pt_regs *ctx) { return go_enter(ctx, MCPSPY_DIR_READ); }

/* (*Conn).Write sends all of b or fails, and its bytes are there at entry:
 * emitting here keeps a request ahead of its response, which another
 * goroutine may read before this one returns from Write. */
SEC("uprobe")
int handle_go_write_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct tls_call c = {
		.ssl = ctx->ax,
		.buf = ctx->bx,
		.dir = MCPSPY_DIR_WRITE,
		.lib = MCPSPY_TLS_GO,
	};
	long n = (long)ctx->cx;
	if (n <= 0)
		return 0;
	emit_tls(&c, (__u64)n, id);
	return 0;
}

/* At each RET of (*Conn).Read/Write: the frame is popped, results are in registers. */
SEC("uprobe")
int handle_go_ret(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct go_key k = { .g = ctx->r14, .pid = id >> 32 };
	struct tls_call *p = bpf_map_lookup_elem(&go_tls_calls, &k);
	if (!p)
		return 0;
	struct tls_call c = *p;
	bpf_map_delete_elem(&go_tls_calls, &k);
	long n = (long)ctx->ax;
	if (n <= 0)
		return 0;
	emit_tls(&c, (__u64)n, id);
	return 0;
}

/*
 * rustls: <Reader as io::Read>::read and <Writer as io::Write>::write of a
 * connection. Rust has no stable ABI: with an io::Result<usize> returned
 * through a hidden pointer (rustc 1.63, Debian 12) the arguments are
 * (ret, self, buf, len) and RAX holds ret at return; returned in registers
 * they are (self, buf, len) and RAX:RDX = (tag, n). Both are kept at entry
 * and told apart at return (RAX == the first argument means a return slot).
 * uretprobes are fine here: Rust stacks do not move.
 *
 * Reader and Writer are short-lived views: Reader's first field points at
 * the connection's received-plaintext buffer, Writer's at the connection
 * itself, so the two directions of one connection arrive with different
 * pointers, the reader's a little past the writer's. rustls_conn gives each
 * pointer the id of the first pointer of its connection seen, pairing a read
 * with the last write of the same thread when it lies within 64 KB after it
 * (and a write with the last read when that lies within 64 KB after it).
 */
struct rustls_call {
	__u64 a0, a1, a2;
	__u8 dir;
	__u8 pad[7];
};

struct rustls_last {
	__u64 rd;
	__u64 wr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rustls_call);
} rustls_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ssl_key);
	__type(value, __u64);
} rustls_conn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rustls_last);
} rustls_last SEC(".maps");

#define RUSTLS_CONN_SPAN 65536

static __always_inline int rustls_enter(struct pt_regs *ctx, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!mcpspy_allowed(id >> 32))
		return 0;
	struct rustls_call c = { .a0 = ctx->di, .a1 = ctx->si, .a2 = ctx->dx, .dir = dir };
	bpf_map_update_elem(&rustls_calls, &id, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int handle_rustls_read_enter(struct pt_regs *ctx) { return rustls_enter(ctx, MCPSPY_DIR_READ); }
SEC("uprobe")
int handle_rustls_write_enter(struct pt_regs *ctx) { return rustls_enter(ctx, MCPSPY_DIR_WRITE); }

static __always_inline __u64 rustls_canonical(__u64 raw, __u64 id, __u8 dir)
{
	struct ssl_key k = { .ssl = raw, .pid = id >> 32 };
	__u64 *known = bpf_map_lookup_elem(&rustls_conn, &k);
	__u64 canon = raw;
	struct rustls_last *l = bpf_map_lookup_elem(&rustls_last, &id);
	if (known) {
		canon = *known;
	} else if (l) {
		__u64 other = 0;
		if (dir == MCPSPY_DIR_READ && l->wr && raw >= l->wr && raw - l->wr < RUSTLS_CONN_SPAN)
			other = l->wr;
		else if (dir == MCPSPY_DIR_WRITE && l->rd && l->rd >= raw && l->rd - raw < RUSTLS_CONN_SPAN)
			other = l->rd;
		if (other) {
			struct ssl_key ok = { .ssl = other, .pid = id >> 32 };
			__u64 *oc = bpf_map_lookup_elem(&rustls_conn, &ok);
			canon = oc ? *oc : other;
		}
	}
	if (!known)
		bpf_map_update_elem(&rustls_conn, &k, &canon, BPF_ANY);
	struct rustls_last nl = {};
	if (l)
		nl = *l;
	if (dir == MCPSPY_DIR_READ)
		nl.rd = raw;
	else
		nl.wr = raw;
	bpf_map_update_elem(&rustls_last, &id, &nl, BPF_ANY);
	return canon;
}

SEC("uretprobe")
int handle_rustls_exit(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct rustls_call *p = bpf_map_lookup_elem(&rustls_calls, &id);
	if (!p)
		return 0;
	struct rustls_call c = *p;
	bpf_map_delete_elem(&rustls_calls, &id);

	__u64 ax = ctx->ax, self, buf;
	__s64 n;
	if (ax == c.a0) {
		__u64 res[2];
		if (bpf_probe_read_user(res, sizeof(res), (void *)ax)) {
			stat_add(MCPSPY_STAT_READ_FAULTS, 1);
			return 0;
		}
		if (res[0] != 0) /* Err */
			return 0;
		n = (__s64)res[1];
		self = c.a1;
		buf = c.a2;
	} else {
		if (ax != 0)
			return 0;
		n = (__s64)ctx->dx;
		self = c.a0;
		buf = c.a1;
	}
	if (n <= 0)
		return 0;
	__u64 raw;
	if (bpf_probe_read_user(&raw, sizeof(raw), (void *)self)) {
		stat_add(MCPSPY_STAT_READ_FAULTS, 1);
		return 0;
	}
	struct tls_call t = {
		.ssl = rustls_canonical(raw, id, c.dir),
		.buf = buf,
		.dir = c.dir,
		.lib = MCPSPY_TLS_RUSTLS,
	};
	emit_tls(&t, (__u64)n, id);
	return 0;
}
#endif
