// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext at SSL_read/SSL_write and their _ex variants. Arguments are
 * kept at entry and the data is emitted at return only when the call
 * succeeded: Node retries SSL_write during the handshake, so an entry-only
 * probe would report the same bytes several times.
 */
#define MCPSPY_TLS_MAPS
#include "mcpspy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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
	} else {
		if ((int)ret <= 0)
			return 0;
		n = (__u32)(int)ret;
	}
	if (n == 0)
		return 0;

	/* SSL pointers are per process, so the pid is part of the key. */
	struct tracked_key tk = { .stream_id = c.ssl, .pid = id >> 32, .fd_type = MCPSPY_FD_NONE };
	if (!bpf_map_lookup_elem(&tracked, &tk)) {
		if (!looks_like_http(c.buf, n)) {
			stat_add(MCPSPY_STAT_FILTERED, 1);
			return 0;
		}
		__u8 one = 1;
		bpf_map_update_elem(&tracked, &tk, &one, BPF_ANY);
	}

	/* The socket under this SSL, when the syscall side has seen it. */
	struct ssl_key sk = { .ssl = c.ssl, .pid = id >> 32 };
	struct sock_ref *bound = bpf_map_lookup_elem(&ssl_sock, &sk);
	if (!bound || !bound->exact) {
		if (c.dir == MCPSPY_DIR_READ) {
			struct sock_ref *r = bpf_map_lookup_elem(&tls_last_read, &id);
			if (r) {
				struct sock_ref v = { .fd = r->fd, .ino = r->ino };
				bpf_map_update_elem(&ssl_sock, &sk, &v, BPF_ANY);
				bound = bpf_map_lookup_elem(&ssl_sock, &sk);
			}
		} else {
			bpf_map_update_elem(&tls_pending_write, &id, &c.ssl, BPF_ANY);
		}
	}
	__u8 fd_type = MCPSPY_FD_NONE;
	__s32 fd = -1;
	if (bound) {
		fd_type = MCPSPY_FD_INET;
		fd = bound->fd;
	}

	if (n <= MCPSPY_CHUNK) {
		emit_small(MCPSPY_KIND_TLS, c.dir, fd_type, fd, c.ssl, c.buf, (__u32)n);
		return 0;
	}
	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return 0;
	fill_header(&e->hdr, MCPSPY_KIND_TLS, c.dir, fd_type, fd, c.ssl, n);
	e->total = n;
	e->seg_base = c.buf;
	e->seg_left = n;
	emit_call(e);
	return 0;
}
