/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything the two syscall hook backends share: the fd walk, the
 * per-thread call state, the prefilter (JSON with leading whitespace over
 * iovecs, HTTP, TLS ClientHello reports), the emitters for single buffers,
 * iovecs and mmsghdr arrays, the unseen-bytes counting (splice family,
 * io_uring) and its notes ring, and the call_* entry points: one call,
 * arguments and result together. bpf/syscalls_io.bpf.c calls them from
 * sys_exit tracepoints, bpf/io_fexit.bpf.c from fexit programs on the
 * syscall functions; both therefore emit the same records for the same
 * calls (apps/probe/test/hook-parity.test.ts).
 */
#ifndef MCPSPY_IO_COMMON_H
#define MCPSPY_IO_COMMON_H

#define MCPSPY_TLS_MAPS
#include "mcpspy.bpf.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* io_uring opcodes that move bytes (include/uapi/linux/io_uring.h), by
 * direction: READV 1, READ_FIXED 4, RECVMSG 10, READ 22, RECV 27,
 * READ_MULTISHOT 49; WRITEV 2, WRITE_FIXED 5, SENDMSG 9, WRITE 23, SEND 26,
 * SEND_ZC 47, SENDMSG_ZC 48; SPLICE 30 and TEE 33 write to their fd. */
#define URING_READS ((1ULL << 1) | (1ULL << 4) | (1ULL << 10) | (1ULL << 22) | (1ULL << 27) | (1ULL << 49))
#define URING_WRITES                                                                                    \
	((1ULL << 2) | (1ULL << 5) | (1ULL << 9) | (1ULL << 23) | (1ULL << 26) | (1ULL << 30) | (1ULL << 33) | \
	 (1ULL << 47) | (1ULL << 48))
#define REQ_F_FIXED_FILE 1ULL

/* How the call names its bytes. */
#define SHAPE_BUF 0    /* one user buffer */
#define SHAPE_IOV 1    /* an iovec array */
#define SHAPE_MMSG 2   /* an mmsghdr array (sendmmsg/recvmmsg) */
#define SHAPE_UNSEEN 3 /* no user buffer: splice, tee, sendfile (counted only) */

struct io_call {
	__u64 buf;      /* user buffer, iovec array or mmsghdr array (by shape) */
	__u64 iov_cnt;  /* iovecs, or mmsghdrs */
	__u64 stream_id;
	__u64 tracked_sid; /* last stream of this thread that passed the prefilter */
	__s32 fd;
	__u8 dir;
	__u8 fd_type;
	__u8 shape;
	__u8 active;    /* set by on_enter, cleared by finish_call */
	__u8 tracked_type;
	__u8 what;      /* SHAPE_UNSEEN: enum mcpspy_unseen_what */
	__u8 tracked_flags; /* the tracked map's value for tracked_sid, as last seen */
	__u8 named_type; /* fold_read: the reader this CPU named last, with named_sid/tgid/exec */
	__u32 tgid;     /* the calling process (quiet streams' key) */
	__u32 named_tgid;
	__u32 fold_left; /* reads still folded before the next sample */
	__u64 named_sid;
	__u64 named_exec;
};

/* The call being handled, and the last stream that passed the prefilter.
 * Both backends handle a call in one program run (after it), so nothing has
 * to outlive the run: a per-CPU slot, found by an array lookup the verifier
 * inlines (task storage cost a helper call per call, and storage for every
 * thread of the machine that touched a pipe or socket). The tracked-stream
 * cache is then per CPU rather than per thread: a steady writer still skips
 * the shared LRU lookup; interleaved writers fall back to it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct io_call);
} io_calls SEC(".maps");

/*
 * The kernel-object walks, in two builds of the same logic:
 * - MCPSPY_IO_DIRECT_BTF (the tracepoint object): direct BTF loads through
 *   bpf_rdonly_cast, which the verifier turns into plain moves, so the walk
 *   costs one helper call (the fd array slot) instead of one per hop; the
 *   kfunc needs Linux 6.2 or later;
 * - otherwise (the fexit object): CO-RE probe reads, which load on 6.1
 *   (Debian 12) as well. Nothing else differs between the objects.
 */
#ifdef MCPSPY_IO_DIRECT_BTF
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define AS(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

static __always_inline struct file *fd_file(struct task_struct *t, __s32 fd)
{
	struct fdtable *fdt = t->files->fdt;
	unsigned int max = fdt->max_fds;
	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	/* The slot arr[fd], read as a direct load too: struct kiocb begins with
	 * a struct file *, so casting the slot's address to one makes the
	 * verifier load it (a fault reads as NULL) without a helper call. */
	struct file *fp = AS(struct kiocb, (__u64)fdt->fd + (__u64)fd * sizeof(struct file *))->ki_filp;
	if (!fp)
		return NULL;
	return AS(struct file, fp);
}
static __always_inline __u32 file_mode_bits(struct file *f) { return f->f_mode; }
static __always_inline void file_inode_id(struct file *f, __u16 *mode, __u64 *ino)
{
	struct inode *i = f->f_inode;
	*mode = i->i_mode;
	*ino = i->i_ino;
}
static __always_inline struct sock *file_sock(struct file *f) { return AS(struct socket, f->private_data)->sk; }
static __always_inline __u16 sock_family(struct sock *sk) { return sk->__sk_common.skc_family; }
/* The inode of a unix socket's peer, or 0. */
static __always_inline __u64 unix_peer_ino(struct sock *sk)
{
	struct sock *peer = AS(struct unix_sock, sk)->peer;
	return peer ? peer->sk_socket->file->f_inode->i_ino : 0;
}
/* io_uring_submit_req's request: its fd, or -1 for a registered file. */
static __always_inline __s32 uring_req_fd(void *req_ptr)
{
	struct io_kiocb *req = AS(struct io_kiocb, req_ptr);
	if (req->flags & REQ_F_FIXED_FILE)
		return -1;
	return req->cqe.fd;
}
#else
static __always_inline struct file *fd_file(struct task_struct *t, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	struct file **arr = BPF_CORE_READ(fdt, fd);
	struct file *fp = NULL;
	if (bpf_probe_read_kernel(&fp, sizeof(fp), &arr[fd]) || !fp)
		return NULL;
	return fp;
}
static __always_inline __u32 file_mode_bits(struct file *f) { return BPF_CORE_READ(f, f_mode); }
static __always_inline void file_inode_id(struct file *f, __u16 *mode, __u64 *ino)
{
	struct inode *i = BPF_CORE_READ(f, f_inode);
	*mode = BPF_CORE_READ(i, i_mode);
	*ino = BPF_CORE_READ(i, i_ino);
}
static __always_inline struct sock *file_sock(struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(sock, sk);
}
static __always_inline __u16 sock_family(struct sock *sk) { return BPF_CORE_READ(sk, __sk_common.skc_family); }
static __always_inline __u64 unix_peer_ino(struct sock *sk)
{
	struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	return peer ? BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino) : 0;
}
static __always_inline __s32 uring_req_fd(void *req_ptr)
{
	struct io_kiocb *req = req_ptr;
	if (BPF_CORE_READ(req, flags) & REQ_F_FIXED_FILE)
		return -1;
	return BPF_CORE_READ(req, cqe.fd);
}
#endif

/* Finds what the fd points at. Only pipes and sockets are worth storing;
 * ttys (a pty is a documented limit, apps/probe/README.md) and regular
 * files end here. */
static __always_inline int classify_fd(struct task_struct *t, __s32 fd, __u8 dir, __u8 *type, __u64 *sid)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return 0;
	__u16 mode;
	__u64 ino_n;
	file_inode_id(f, &mode, &ino_n);

	switch (mode & S_IFMT) {
	case S_IFIFO:
		*type = MCPSPY_FD_PIPE;
		*sid = ino_n;
		return 1;
	case S_IFSOCK: {
		struct sock *sk = file_sock(f);
		__u16 fam = sock_family(sk);
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

/* Ties an SSL* to the socket under it (see the TLS maps in mcpspy.bpf.h):
 * exactly when this syscall runs inside an SSL call of the same thread,
 * otherwise by the read-before-SSL_read / write-after-SSL_write order. The
 * tracepoint object notes it before the syscall, the fexit object after:
 * a read still precedes the SSL_read that decrypts it, and a write inside
 * an SSL call is still inside it.
 * Every inet call of every process runs this, so the common case (no TLS
 * library in the process, or a connection that is not the one pending) does
 * no map write: a pending write is deleted only when there is one, and a
 * thread's last-read entry is rewritten in place, and only when it names
 * another socket (an LRU update allocates a node and takes the bucket lock;
 * the delete took the lock even for a key that was not there). */
static __always_inline void note_tls_socket(struct task_struct *t, __s32 fd, __u64 ino, __u8 dir)
{
	__u64 id = ((__u64)t->tgid << 32) | (__u32)t->pid;
	struct sock_ref ref = { .fd = fd, .ino = ino };
	struct ssl_key k = { .pid = id >> 32 };
	struct tls_call *tc = bpf_map_lookup_elem(&tls_calls, &id);
	if (tc) {
		k.ssl = tc->ssl;
		ref.exact = 1;
		bpf_map_update_elem(&ssl_sock, &k, &ref, BPF_ANY);
		if (dir == MCPSPY_DIR_WRITE) {
			bpf_map_delete_elem(&tls_pending_write, &id);
			return;
		}
	} else if (dir == MCPSPY_DIR_WRITE) {
		__u64 *pending = bpf_map_lookup_elem(&tls_pending_write, &id);
		if (pending) {
			k.ssl = *pending;
			struct sock_ref *old = bpf_map_lookup_elem(&ssl_sock, &k);
			if (!old || !old->exact)
				bpf_map_update_elem(&ssl_sock, &k, &ref, BPF_ANY);
			bpf_map_delete_elem(&tls_pending_write, &id);
		}
		return;
	}
	/* A read: this thread's last socket read, for the SSL_read that follows. */
	struct sock_ref *last = bpf_map_lookup_elem(&tls_last_read, &id);
	if (!last) {
		bpf_map_update_elem(&tls_last_read, &id, &ref, BPF_ANY);
		return;
	}
	if (last->fd != ref.fd || last->ino != ref.ino || last->exact != ref.exact) {
		last->fd = ref.fd;
		last->ino = ref.ino;
		last->exact = ref.exact;
	}
}

static __always_inline struct io_call *store_call(struct task_struct *t, __s32 fd, __u64 buf, __u64 iov_cnt, __u8 shape,
						 __u8 dir)
{
	__u8 type;
	__u64 sid;
	if (!classify_fd(t, fd, dir, &type, &sid))
		return NULL;
	if (type == MCPSPY_FD_INET && shape != SHAPE_UNSEEN)
		note_tls_socket(t, fd, sid, dir);
	__u32 zero = 0;
	struct io_call *c = bpf_map_lookup_elem(&io_calls, &zero);
	if (!c)
		return NULL;
	c->buf = buf;
	c->iov_cnt = iov_cnt;
	c->stream_id = sid;
	c->fd = fd;
	c->dir = dir;
	c->fd_type = type;
	c->shape = shape;
	c->what = 0;
	c->tgid = t->tgid;
	c->active = 1;
	return c;
}

/* The first half of a call, its arguments: the process filter, the fd
 * walk, the call state. NULL when the call is not of interest. `t` is the
 * calling task (bpf_get_current_task_btf, once per program run): its tgid
 * and pid are read from it rather than by one more helper call each. */
static __always_inline struct io_call *on_enter(struct task_struct *t, __s32 fd, __u64 buf, __u64 iov_cnt, __u8 shape,
						__u8 dir)
{
	if (!mcpspy_allowed(t->tgid))
		return NULL;
	return store_call(t, fd, buf, iov_cnt, shape, dir);
}

static __always_inline struct io_call *on_enter_msg(struct task_struct *t, __s32 fd, __u64 umsg, __u8 dir)
{
	if (!mcpspy_allowed(t->tgid))
		return NULL;
	struct user_msghdr m;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return NULL;
	return store_call(t, fd, (__u64)m.msg_iov, m.msg_iovlen, SHAPE_IOV, dir);
}

#define FMODE_WRITE 0x2

/* vmsplice(2) copies between user iovecs and a pipe: into the pipe from
 * its write end, out of it (like readv) from its read end. */
static __always_inline struct io_call *on_enter_vmsplice(struct task_struct *t, __s32 fd, __u64 iov, __u64 cnt)
{
	if (!mcpspy_allowed(t->tgid))
		return NULL;
	struct file *f = fd_file(t, fd);
	if (!f)
		return NULL;
	__u8 dir = (file_mode_bits(f) & FMODE_WRITE) ? MCPSPY_DIR_WRITE : MCPSPY_DIR_READ;
	return store_call(t, fd, iov, cnt, SHAPE_IOV, dir);
}

/* Calls that move bytes between two kernel objects never hold them in user
 * memory, so they cannot be read here: they are counted per process when a
 * pipe or socket is one end, and reported once (KIND_UNSEEN). */
static __always_inline struct io_call *on_enter_unseen(struct task_struct *t, __s32 in_fd, __s32 out_fd, __u8 what)
{
	if (!mcpspy_allowed(t->tgid))
		return NULL;
	struct io_call *c = store_call(t, out_fd, 0, 0, SHAPE_UNSEEN, MCPSPY_DIR_WRITE);
	if (!c)
		c = store_call(t, in_fd, 0, 0, SHAPE_UNSEEN, MCPSPY_DIR_READ);
	if (c)
		c->what = what;
	return c;
}

struct unseen_key {
	__u32 pid;
	__u32 what;
};

struct unseen_val {
	__u64 calls;
	__u64 bytes;
};

/* Per (process, what): the probe reads it for the counts of its notices and
 * deletes a process's entries at its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct unseen_key);
	__type(value, struct unseen_val);
} unseen SEC(".maps");

/* First sight of each (process, what), apart from the data ring so the
 * raw batches keep carrying data only. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} notes SEC(".maps");

struct unseen_record {
	struct mcpspy_event ev;
	struct mcpspy_unseen u;
};

static __always_inline void count_unseen(__u8 what, __u32 calls, __u64 bytes, __u8 dir, __u8 fd_type, __s32 fd,
					 __u64 sid, __u32 detail)
{
	struct unseen_key k = { .pid = bpf_get_current_pid_tgid() >> 32, .what = what };
	struct unseen_val *v = bpf_map_lookup_elem(&unseen, &k);
	if (v) {
		__sync_fetch_and_add(&v->calls, calls);
		__sync_fetch_and_add(&v->bytes, bytes);
		return;
	}
	struct unseen_val nv = { .calls = calls, .bytes = bytes };
	if (bpf_map_update_elem(&unseen, &k, &nv, BPF_NOEXIST)) {
		/* Another CPU made it first: that one reports. */
		v = bpf_map_lookup_elem(&unseen, &k);
		if (v) {
			__sync_fetch_and_add(&v->calls, calls);
			__sync_fetch_and_add(&v->bytes, bytes);
		}
		return;
	}
	struct unseen_record *r = bpf_ringbuf_reserve(&notes, sizeof(*r), 0);
	if (!r) {
		stat_add(MCPSPY_STAT_RINGBUF_FULL, 1);
		return;
	}
	fill_header(&r->ev, MCPSPY_KIND_UNSEEN, dir, fd_type, fd, sid, bytes);
	r->ev.flags = MCPSPY_F_FIRST | MCPSPY_F_LAST;
	r->ev.len = sizeof(r->u);
	r->u.what = what;
	r->u.detail = detail;
	bpf_ringbuf_submit(r, 0);
}

/* Whether the bytes of an iovec call look like the start of a stream worth
 * capturing (1), do not (2), or leave it to the next call (0, and for an
 * unreadable iovec): the first non-empty buffer decides, whitespace-only buffers
 * defer to the next. Past MCPSPY_PREFILTER_IOVS buffers of padding the
 * stream is captured, so splitting padding into iovecs hides nothing. */
#define MCPSPY_PREFILTER_IOVS 8
static __always_inline int prefilter_iov(__u8 fd_type, __u64 iov, __u64 cnt, __u64 total)
{
	__u64 left = total;
	for (int i = 0; i < MCPSPY_PREFILTER_IOVS; i++) {
		struct iovec v;
		if (i >= cnt || left == 0)
			return 0;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(iov + i * sizeof(struct iovec))))
			return 0;
		__u64 n = v.iov_len < left ? v.iov_len : left;
		if (n == 0)
			continue;
		left -= n;
		if (fd_type == MCPSPY_FD_INET)
			return looks_like_http((__u64)v.iov_base, n) ? 1 : 2;
		int r = json_verdict((__u64)v.iov_base, n);
		if (r)
			return r;
	}
	return left > 0;
}

/* Values of the tracked map (bits). */
#define TRACKED_PASSED 1 /* passed a prefilter once: captured from then on */
#define TRACKED_WRITER 2 /* pipe/unix: a write was captured, so the writer's records carry the bytes */
#define TRACKED_ELIDE 4  /* in the per-CPU cache only: WRITER, and the probe asked for elided reads */
#define TRACKED_FOLD 8   /* in the per-CPU cache only: ELIDE, and the probe asked for folded reads */

/*
 * Quiet streams: the prefilter's 16-byte user read is most of what a call on
 * a pipe or socket that never carries MCP costs (~140 of ~300 ns, this
 * kernel). Once one process image (pid and exec count) has had
 * MCPSPY_QUIET_AFTER calls on one stream rejected by it (bytes that are not
 * JSON or HTTP; whitespace-only calls defer and do not count), its further
 * calls on that stream skip the read: rejected, counted as filtered, for one
 * hash lookup. An exec starts the count again. A stream that gets tracked
 * (by any process) is captured as before: the tracked lookup comes first.
 * Writes to pipes and unix sockets are quieted only with
 * MCPSPY_OPT_QUIET_LOCAL_WRITES: a stdio MCP server could write 256 junk
 * lines first and then speak unseen. MCPSPY_OPT_QUIET_CHECK answers that:
 * a quieted call is still checked when a random draw says so (1 in
 * quiet_check_mask + 1; random, so a writer cannot time its JSON between
 * checks), and a checked call that passes ends the quiet: the stream is
 * tracked (captured from that call on), its quiet entry goes, and the calls
 * that went unchecked since it was quieted (count and bytes) are reported
 * once per process on the notes ring (MCPSPY_UNSEEN_QUIET), so the gap
 * shows as a notice instead of nothing. MCPSPY_OPT_QUIET_STREAMS clear
 * (MCPSPY_QUIET_STREAMS=0) turns quiet streams off.
 */
#define MCPSPY_QUIET_AFTER 256

struct quiet_val {
	__u64 exec_id;  /* the process's self_exec_id when counted */
	__u32 rejected; /* calls rejected by the prefilter, up to MCPSPY_QUIET_AFTER */
	__u32 skipped;  /* calls not checked since the stream was quieted */
	__u64 skipped_bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tracked_key);
	__type(value, struct quiet_val);
} quiet SEC(".maps");

static __always_inline __u64 current_exec_id(void)
{
	return bpf_get_current_task_btf()->group_leader->self_exec_id;
}

/* A quiet stream's checked call passed: the calls that went unchecked before
 * it are added to the process's MCPSPY_UNSEEN_QUIET counts (the probe raises
 * its notice from them), and the first such sighting of a process is
 * reported on the notes ring (detail = calls, total_len = bytes). */
static __always_inline void report_unchecked(struct io_call *p, __u32 calls, __u64 bytes)
{
	count_unseen(MCPSPY_UNSEEN_QUIET, calls, bytes, p->dir, p->fd_type, p->fd, p->stream_id, calls);
}

/* What stream_wanted decides. */
#define WANT_NONE 0
#define WANT_BYTES 1
#define WANT_READER 2 /* a read of a stream whose writer is captured: name the reader, copy nothing */

/* Streams pass a prefilter once; the CPU remembers its last one so a steady
 * writer skips the shared LRU lookup.
 * A pipe or unix stream is one stream id for both ends (the reader reports
 * the writer's inode), so once a write of it has been captured its reads
 * would only copy the same bytes a second time: user space takes a stdio
 * channel's bytes from its writer and uses the reads to name the reader
 * (apps/mcp-parser, stdio-channels.ts). Those reads are then sent as a header
 * without data (MCPSPY_F_ELIDED) when the probe asks for it
 * (MCPSPY_OPT_ELIDE_READS, its default). Inet ends have their own ids: never. */
static __always_inline int stream_wanted(struct io_call *p, __u64 first, __u64 cnt, __u64 len, __u8 is_iov)
{
	__u8 local = p->fd_type != MCPSPY_FD_INET;
	__u8 is_write = p->dir == MCPSPY_DIR_WRITE;
	if (p->tracked_sid == p->stream_id && p->tracked_type == p->fd_type) {
		if (!local)
			return WANT_BYTES;
		if (is_write && (p->tracked_flags & TRACKED_WRITER))
			return WANT_BYTES;
		if (!is_write && (p->tracked_flags & TRACKED_ELIDE))
			return WANT_READER;
		/* Not known here yet: the shared value (and the settings) say. */
	}
	struct tracked_key tk = { .stream_id = p->stream_id, .fd_type = p->fd_type };
	__u8 *v = bpf_map_lookup_elem(&tracked, &tk);
	__u8 flags;
	if (!v) {
		/* Quiet streams (above): only where the settings allow it; local writes only when asked for. */
		struct quiet_val *q = NULL;
		struct tracked_key qk = { .stream_id = p->stream_id, .fd_type = p->fd_type };
		__u64 exec_id = 0;
		__u8 counting = 0, checked = 0;
		__u32 zero = 0;
		struct mcpspy_settings *s = bpf_map_lookup_elem(&settings, &zero);
		__u32 quiet_opt = !local || !is_write ? MCPSPY_OPT_QUIET_STREAMS : MCPSPY_OPT_QUIET_LOCAL_WRITES;
		if (s && (s->options & quiet_opt)) {
			qk.pid = p->tgid;
			exec_id = current_exec_id();
			q = bpf_map_lookup_elem(&quiet, &qk);
			if (q && q->exec_id == exec_id && q->rejected >= MCPSPY_QUIET_AFTER) {
				/* Quiet: skipped, unless this call is drawn for a check. */
				if (!(s->options & MCPSPY_OPT_QUIET_CHECK) || (bpf_get_prandom_u32() & s->quiet_check_mask)) {
					if (q->skipped != ~0U)
						q->skipped++;
					q->skipped_bytes += len;
					stat_add(MCPSPY_STAT_FILTERED, 1);
					return WANT_NONE;
				}
				checked = 1;
			}
			counting = 1;
		}
		/* 1: passes, 2: rejected, 0: whitespace only (the next call decides). */
		int ok;
		if (is_iov)
			ok = prefilter_iov(p->fd_type, first, cnt, len);
		else
			ok = p->fd_type == MCPSPY_FD_INET ? (looks_like_http(first, len) ? 1 : 2) : json_verdict(first, len);
		if (ok != 1) {
			/* A ClientHello: user space checks that a TLS hook will show this connection. */
			if (p->fd_type == MCPSPY_FD_INET && is_write) {
				__u64 hello = first, hello_len = len;
				if (is_iov) {
					struct iovec iv;
					if (cnt == 0 || bpf_probe_read_user(&iv, sizeof(iv), (void *)first))
						hello_len = 0;
					else {
						hello = (__u64)iv.iov_base;
						hello_len = iv.iov_len < len ? iv.iov_len : len;
					}
				}
				if (hello_len && looks_like_client_hello(hello, hello_len))
					emit_small(MCPSPY_KIND_TLS_HELLO, p->dir, p->fd_type, p->fd, p->stream_id, hello, 6);
			}
			if (ok == 2) {
				if (q) {
					if (q->exec_id != exec_id) {
						q->exec_id = exec_id;
						q->rejected = 1;
					} else if (q->rejected < MCPSPY_QUIET_AFTER) {
						q->rejected++;
					}
				} else if (counting) {
					struct quiet_val nv = { .exec_id = exec_id, .rejected = 1 };
					bpf_map_update_elem(&quiet, &qk, &nv, BPF_ANY);
				}
			}
			stat_add(MCPSPY_STAT_FILTERED, 1);
			return WANT_NONE;
		}
		flags = TRACKED_PASSED | (local && is_write ? TRACKED_WRITER : 0);
		bpf_map_update_elem(&tracked, &tk, &flags, BPF_ANY);
		if (checked && q) {
			/* A quiet stream speaks: captured from here, the gap before reported. */
			if (q->skipped)
				report_unchecked(p, q->skipped, q->skipped_bytes);
			bpf_map_delete_elem(&quiet, &qk);
		}
	} else {
		flags = *v;
		if (local && is_write && !(flags & TRACKED_WRITER)) {
			flags |= TRACKED_WRITER;
			*v = flags;
		}
	}
	p->tracked_sid = p->stream_id;
	p->tracked_type = p->fd_type;
	if (local && !is_write && (flags & TRACKED_WRITER)) {
		__u32 zero = 0;
		struct mcpspy_settings *s = bpf_map_lookup_elem(&settings, &zero);
		if (s && (s->options & MCPSPY_OPT_ELIDE_READS))
			flags |= TRACKED_ELIDE | (s->options & MCPSPY_OPT_FOLD_READS ? TRACKED_FOLD : 0);
	}
	p->tracked_flags = flags;
	return flags & TRACKED_ELIDE ? WANT_READER : WANT_BYTES;
}

/*
 * Folded reads. An elided read's record says only "this process reads this
 * stream" (mcp-parser takes the bytes from the writer and the reads to name
 * the reader), so once one has gone out the next ones repeat it. A CPU keeps
 * the last reader it named (stream, type, process and exec count) in its
 * call slot; the same reader's next reads there send nothing (counted as
 * reads_folded), except every MCPSPY_READ_SAMPLE-th, which still sends its
 * record: the reader is named again at least that often, whatever state user
 * space lost. Another process, another stream, an exec, another CPU, a loss
 * waiting to be reported (lost_pending) or a record the ring refused all send
 * the record as before. Half the records of a stdio MCP channel, and an
 * elided read's reserve, header and clock read (bench/README.md, session 11).
 */
#define MCPSPY_READ_SAMPLE 64

static __always_inline int fold_read(struct io_call *p)
{
	if (!(p->tracked_flags & TRACKED_FOLD) || lost_pending || !p->fold_left)
		return 0;
	if (p->named_sid != p->stream_id || p->named_type != p->fd_type || p->named_tgid != p->tgid ||
	    p->named_exec != current_exec_id())
		return 0;
	p->fold_left--;
	stat_add(MCPSPY_STAT_READS_FOLDED, 1);
	return 1;
}

/* A read whose bytes the writer's records carry: its header alone (see
 * stream_wanted), straight into the ring. Carries the stream's pending lost
 * bytes like any record, so they do not wait for a data record that will
 * not come. Names the reader for fold_read once it went out. */
static __always_inline void emit_reader(struct io_call *p)
{
	struct mcpspy_event *h = bpf_ringbuf_reserve(&events, sizeof(*h), 0);
	if (!h) {
		stat_add(MCPSPY_STAT_RINGBUF_FULL, 1);
		p->fold_left = 0;
		return;
	}
	fill_header(h, MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, 0);
	h->flags = MCPSPY_F_FIRST | MCPSPY_F_LAST | MCPSPY_F_ELIDED;
	struct lost_key k = { .stream_id = p->stream_id, .pid = h->pid, .kind = MCPSPY_KIND_IO, .direction = p->dir };
	take_lost(h, &k);
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	stat_add(MCPSPY_STAT_EVENTS, 1);
	if (p->tracked_flags & TRACKED_FOLD) {
		p->named_sid = p->stream_id;
		p->named_type = p->fd_type;
		p->named_tgid = p->tgid;
		p->named_exec = current_exec_id();
		p->fold_left = MCPSPY_READ_SAMPLE - 1;
	}
}

/*
 * Pending losses of a process that exits. A loss waits in lost_bytes for the
 * next record of its (stream, process, direction), and lost_pending counts
 * the streams waiting. A process that exits never sends that record: before
 * this sweep its entry stayed, lost_pending never came back to zero, and
 * from then on every record paid the lost_bytes lookup and no read folded
 * (fold_read). When the last thread of a process exits, and only while some
 * loss is pending (one load otherwise), its entries are deleted and each one
 * still holding bytes is taken off lost_pending and counted
 * (MCPSPY_STAT_LOST_SWEPT). No thread of the process is left to add to
 * them meanwhile. The walk runs only for a process in lost_pids (noted
 * when one of its streams' losses started pending), so other exits pay a
 * lookup. (An entry the LRU evicts from lost_bytes while it holds bytes,
 * or a pid evicted from lost_pids, still leaves lost_pending one too
 * high: that takes thousands of streams with losses pending at once.)
 */
struct lost_sweep {
	__u32 tgid;
	__u32 swept;
};

static long sweep_lost_one(struct bpf_map *map, struct lost_key *k, __u64 *v, struct lost_sweep *c)
{
	if (k->pid != c->tgid)
		return 0;
	__u64 n = *v;
	if (bpf_map_delete_elem(map, k) == 0 && n) {
		__sync_fetch_and_sub(&lost_pending, 1);
		c->swept++;
	}
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int sweep_lost(void *ctx)
{
	if (!lost_pending)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	if (t->signal->live.counter != 0)
		return 0;
	struct lost_sweep c = { .tgid = t->tgid, .swept = 0 };
	/* Only a process that had a loss pending: the walk costs one step per
	 * entry, and taken entries (value 0) stay in lost_bytes until the LRU
	 * or this sweep removes them. */
	if (!bpf_map_lookup_elem(&lost_pids, &c.tgid))
		return 0;
	bpf_map_delete_elem(&lost_pids, &c.tgid);
	bpf_for_each_map_elem(&lost_bytes, sweep_lost_one, &c, 0);
	if (c.swept)
		stat_add(MCPSPY_STAT_LOST_SWEPT, c.swept);
	return 0;
}

static __always_inline void emit_iov(struct io_call *p, __u64 iov, __u64 cnt, __u64 total)
{
	struct emit_ctx *e = emit_ctx_get();
	if (!e)
		return;
	fill_header(&e->hdr, MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, total);
	e->total = total;
	e->iov = iov;
	e->iov_cnt = cnt;
	emit_call(e);
}

struct mmsg_walk {
	__u64 vec;
	__u64 n;
	struct io_call *p;
};

/* One message of sendmmsg/recvmmsg: its own call, msg_len bytes of its
 * iovecs (the kernel writes msg_len back for both directions). */
static long mmsg_step(__u32 i, void *arg)
{
	struct mmsg_walk *w = arg;
	struct mmsghdr m;
	if (i >= w->n)
		return 1;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)(w->vec + (__u64)i * sizeof(struct mmsghdr)))) {
		stat_add(MCPSPY_STAT_READ_FAULTS, 1);
		return 1;
	}
	struct io_call *p = w->p;
	if (!p || m.msg_len == 0)
		return 0;
	emit_iov(p, (__u64)m.msg_hdr.msg_iov, m.msg_hdr.msg_iovlen, m.msg_len);
	return 0;
}

/* The second half of a call, its result.
 * `shape` is the one on_enter stored, a constant per program: the
 * compiler drops the other cases, so each exit program carries (and the
 * verifier walks) only its own. */
static __always_inline int finish_call(struct io_call *p, long ret, const __u8 shape)
{
	if (!p || !p->active)
		return 0;
	p->active = 0;
	if (ret <= 0 || p->shape != shape)
		return 0;

	switch (shape) {
	case SHAPE_BUF: {
		int want = stream_wanted(p, p->buf, 0, ret, 0);
		if (want == WANT_NONE)
			return 0;
		if (want == WANT_READER) {
			if (!fold_read(p))
				emit_reader(p);
			return 0;
		}
		if (ret <= MCPSPY_CHUNK) {
			emit_small(MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, p->buf, (__u32)ret);
			return 0;
		}
		struct emit_ctx *e = emit_ctx_get();
		if (!e)
			return 0;
		fill_header(&e->hdr, MCPSPY_KIND_IO, p->dir, p->fd_type, p->fd, p->stream_id, ret);
		e->total = ret;
		e->seg_base = p->buf;
		e->seg_left = ret;
		emit_call(e);
		return 0;
	}
	case SHAPE_IOV: {
		int want = stream_wanted(p, p->buf, p->iov_cnt, ret, 1);
		if (want == WANT_NONE)
			return 0;
		if (want == WANT_READER) {
			if (!fold_read(p))
				emit_reader(p);
		} else
			emit_iov(p, p->buf, p->iov_cnt, ret);
		return 0;
	}
	case SHAPE_MMSG: {
		/* ret is the number of messages moved. */
		struct mmsghdr m0;
		if (bpf_probe_read_user(&m0, sizeof(m0), (void *)p->buf))
			return 0;
		/* Each message is its own record: copied whole even where a read could name only its reader. */
		if (stream_wanted(p, (__u64)m0.msg_hdr.msg_iov, m0.msg_hdr.msg_iovlen, m0.msg_len, 1) == WANT_NONE)
			return 0;
		struct mmsg_walk w = { .vec = p->buf, .n = ret, .p = p };
		bpf_loop(ret > 1024 ? 1024 : ret, mmsg_step, &w, 0);
		return 0;
	}
	case SHAPE_UNSEEN:
		count_unseen(p->what, 1, ret, p->dir, p->fd_type, p->fd, p->stream_id, 0);
		return 0;
	}
	return 0;
}

/* One whole call, arguments and result together, as both objects see it:
 * the fexit object from its program's saved pt_regs, the tracepoint object
 * at sys_exit from the task's saved user registers (the syscall arguments
 * are still there: the kernel does not clobber them, and seccomp or ptrace
 * rewrites are what the call used). So neither needs a sys_enter program. */
static __always_inline int call_buf(struct task_struct *t, __s32 fd, __u64 buf, __u8 dir, long ret)
{
	return finish_call(on_enter(t, fd, buf, 0, SHAPE_BUF, dir), ret, SHAPE_BUF);
}

static __always_inline int call_vec(struct task_struct *t, __s32 fd, __u64 vec, __u64 cnt, const __u8 shape, __u8 dir,
				    long ret)
{
	return finish_call(on_enter(t, fd, vec, cnt, shape, dir), ret, shape);
}

static __always_inline int call_msg(struct task_struct *t, __s32 fd, __u64 umsg, __u8 dir, long ret)
{
	if (ret <= 0) /* no bytes, but an inet fd is still noted for TLS */
		return finish_call(on_enter(t, fd, 0, 0, SHAPE_IOV, dir), ret, SHAPE_IOV);
	return finish_call(on_enter_msg(t, fd, umsg, dir), ret, SHAPE_IOV);
}

static __always_inline int call_vmsplice(struct task_struct *t, __s32 fd, __u64 iov, __u64 cnt, long ret)
{
	return finish_call(on_enter_vmsplice(t, fd, iov, cnt), ret, SHAPE_IOV);
}

static __always_inline int call_unseen(struct task_struct *t, __s32 in_fd, __s32 out_fd, __u8 what, long ret)
{
	return finish_call(on_enter_unseen(t, in_fd, out_fd, what), ret, SHAPE_UNSEEN);
}

/* Submitted requests, in the submitting task (an SQPOLL thread belongs to
 * its ring's process and shares its files). Counted when the request moves
 * bytes on a pipe or socket (a registered file cannot be resolved here and
 * is counted too); file I/O through io_uring (libuv's) is not. Their
 * buffers are not read. A plain tracepoint (not a syscall one): attaching
 * it costs other syscalls nothing, so both objects carry it. */
static __always_inline int uring_submitted(__u32 op, void *req)
{
	if (op >= 64)
		return 0;
	__u8 dir;
	if (URING_WRITES & (1ULL << op))
		dir = MCPSPY_DIR_WRITE;
	else if (URING_READS & (1ULL << op))
		dir = MCPSPY_DIR_READ;
	else
		return 0;
	__u8 type = MCPSPY_FD_NONE;
	__u64 sid = 0;
	__s32 fd = -1;
	if (req && bpf_core_type_exists(struct io_kiocb) && bpf_core_field_exists(((struct io_kiocb *)0)->cqe.fd)) {
		fd = uring_req_fd(req);
		if (fd >= 0 && !classify_fd(bpf_get_current_task_btf(), fd, dir, &type, &sid))
			return 0;
	}
	count_unseen(MCPSPY_UNSEEN_IO_URING, 1, 0, dir, type, fd, sid, op);
	return 0;
}

/* The io_uring submit event: io_uring_submit_req since Linux 6.4, and
 * io_uring_submit_sqe before (Debian 12's 6.1) with the same fields. The
 * older one is not in a newer vmlinux.h, so it is declared here for CO-RE.
 * Each object carries both programs; the probe attaches whichever this
 * kernel has. */
struct trace_event_raw_io_uring_submit_sqe {
	struct trace_entry ent;
	void *ctx;
	void *req;
	__u64 user_data;
	__u8 opcode;
} __attribute__((preserve_access_index));

#define MCPSPY_URING_SUBMIT(ctx)                                              \
	({                                                                    \
		int rc_ = 0;                                                  \
		if (mcpspy_allowed(bpf_get_current_pid_tgid() >> 32)) {       \
			__u32 op_ = 0;                                        \
			void *req_ = NULL;                                    \
			if (bpf_core_field_exists((ctx)->opcode))             \
				op_ = BPF_CORE_READ((ctx), opcode);           \
			if (bpf_core_field_exists((ctx)->req))                \
				req_ = BPF_CORE_READ((ctx), req);             \
			rc_ = uring_submitted(op_, req_);                     \
		}                                                             \
		rc_;                                                          \
	})

/* The io_uring programs, the same in both objects: plain tracepoints, which
 * do not put other syscalls on the slow path. */
#define MCPSPY_IO_URING_PROGRAMS                                              \
	SEC("tracepoint/io_uring/io_uring_submit_req")                        \
	int handle_io_uring_submit(struct trace_event_raw_io_uring_submit_req *ctx) \
	{                                                                     \
		return MCPSPY_URING_SUBMIT(ctx);                              \
	}                                                                     \
	SEC("tracepoint/io_uring/io_uring_submit_sqe")                        \
	int handle_io_uring_submit_sqe(struct trace_event_raw_io_uring_submit_sqe *ctx) \
	{                                                                     \
		return MCPSPY_URING_SUBMIT(ctx);                              \
	}

/* The syscall arguments in the user registers saved at syscall entry. */
#if defined(__TARGET_ARCH_x86)
#define ARG0(r) ((r)->di)
#define ARG1(r) ((r)->si)
#define ARG2(r) ((r)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define ARG0(r) ((r)->regs[0])
#define ARG1(r) ((r)->regs[1])
#define ARG2(r) ((r)->regs[2])
#else
#error "io_common.bpf.h: syscall argument registers unknown for this architecture"
#endif

/*
 * Every syscall both backends hook, and what its program does once the call
 * has returned: one list, so the two objects cannot drift apart. An object
 * expands it with its own H(name, body): a program named after the syscall
 * in which `t` is the calling task (bpf_get_current_task_btf), `r` the
 * caller's saved user registers and `ret` the result.
 * Of the positional calls only preadv2 and pwritev2 move bytes on a pipe or
 * socket, at offset -1 (the current position): pread64, pwrite64, preadv and
 * pwritev fail there with ESPIPE before touching a byte (no
 * FMODE_PREAD/PWRITE), so they are not hooked and cost nothing.
 * splice(fd_in, off_in, fd_out, ...), tee(fd_in, fd_out, ...) and
 * sendfile(out_fd, in_fd, ...) move bytes the probe cannot see: counted.
 */
#define MCPSPY_HOOKED_SYSCALLS(H)                                                                       \
	H(read, call_buf(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_READ, ret))                                \
	H(write, call_buf(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_WRITE, ret))                              \
	H(recvfrom, call_buf(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_READ, ret))                            \
	H(sendto, call_buf(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_WRITE, ret))                             \
	H(readv, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_IOV, MCPSPY_DIR_READ, ret))           \
	H(writev, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_IOV, MCPSPY_DIR_WRITE, ret))         \
	H(preadv2, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_IOV, MCPSPY_DIR_READ, ret))         \
	H(pwritev2, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_IOV, MCPSPY_DIR_WRITE, ret))       \
	H(recvmsg, call_msg(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_READ, ret))                             \
	H(sendmsg, call_msg(t, (__s32)ARG0(r), ARG1(r), MCPSPY_DIR_WRITE, ret))                            \
	H(recvmmsg, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_MMSG, MCPSPY_DIR_READ, ret))       \
	H(sendmmsg, call_vec(t, (__s32)ARG0(r), ARG1(r), ARG2(r), SHAPE_MMSG, MCPSPY_DIR_WRITE, ret))      \
	H(vmsplice, call_vmsplice(t, (__s32)ARG0(r), ARG1(r), ARG2(r), ret))                               \
	H(splice, call_unseen(t, (__s32)ARG0(r), (__s32)ARG2(r), MCPSPY_UNSEEN_SPLICE, ret))               \
	H(tee, call_unseen(t, (__s32)ARG0(r), (__s32)ARG1(r), MCPSPY_UNSEEN_TEE, ret))                     \
	H(sendfile64, call_unseen(t, (__s32)ARG1(r), (__s32)ARG0(r), MCPSPY_UNSEEN_SENDFILE, ret))

#endif
