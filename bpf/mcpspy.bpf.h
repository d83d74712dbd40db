/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pieces shared by every mcpspy BPF object: settings and filter maps, the
 * per-CPU stats map, the ring buffer, and the chunked emitter. Each object
 * gets its own copy of these maps; the probe configures all of them.
 */
#ifndef MCPSPY_BPF_H
#define MCPSPY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

/* Data bytes per ring-buffer record; a larger call becomes several records.
 * Header + chunk fill one 32 KB per-CPU value, the largest the kernel allows. */
#define MCPSPY_CHUNK (32768 - 80)
/* Upper bound of chunks per call (2 GB at 32 KB), also bounds the iovec walk. */
#define MCPSPY_MAX_STEPS 65536
#define MCPSPY_MAX_IOV 1024

#define FILTER_PIDS 1
#define FILTER_COMMS 2
/* Comm allow-list entries held inline in the settings value. */
#define MCPSPY_MAX_COMMS 32

/* Kernel-made kind for "a process opened a libssl file" (data = path as
 * passed to openat). 6 is the first code events.h leaves free. */
#define MCPSPY_KIND_LIBSSL_OPEN 6
/* Kernel-made kind for "a process sent a TLS ClientHello on an inet socket"
 * (data = the 6 header bytes). Consumed by the probe itself: it tells
 * whether a hooked library will give that connection's plaintext. 7 is
 * MCPSPY_KIND_UNSEEN (events.h). */
#define MCPSPY_KIND_TLS_HELLO 8

struct comm_key {
	__u64 lo;
	__u64 hi;
};

/* Settings live in an array map rather than const volatile globals so the
 * loader can change them after load. An array lookup with a constant key is
 * inlined by the verifier into an address computation, so reading them
 * costs no helper call; the comm list is inline for the same reason (a hash
 * lookup with a 16-byte key costs more than comparing a few entries). */
struct mcpspy_settings {
	__u32 self_pid;
	__u32 filter_mode; /* FILTER_PIDS | FILTER_COMMS; 0 = everything */
	__u32 n_comms;
	__u32 n_exclude;   /* entries in pid_exclude; 0 skips that lookup */
	struct comm_key comms[MCPSPY_MAX_COMMS];
	__u32 options;     /* MCPSPY_OPT_* */
	__u32 quiet_check_mask; /* MCPSPY_OPT_QUIET_CHECK: a quieted call is checked when (random & mask) == 0 */
	__u64 proc_wake_gap_ns; /* MCPSPY_OPT_PROC_WAKE: at most one wake-up per this many ns (process.bpf.c) */
};

/* Reads of a pipe or unix stream whose writer is captured carry no data
 * (MCPSPY_F_ELIDED, io_common.bpf.h stream_wanted). */
#define MCPSPY_OPT_ELIDE_READS 1
/* A process's calls on a stream the prefilter rejected MCPSPY_QUIET_AFTER
 * times skip the prefilter (io_common.bpf.h, quiet streams). */
#define MCPSPY_OPT_QUIET_STREAMS 2
/* ... writes to pipes and unix sockets too (their bytes are stdio MCP's). */
#define MCPSPY_OPT_QUIET_LOCAL_WRITES 4
/* ... and a random 1 in (quiet_check_mask + 1) of the quieted calls is still
 * checked: one that passes ends the quiet and is reported with the count of
 * calls that went unchecked (MCPSPY_UNSEEN_QUIET). */
#define MCPSPY_OPT_QUIET_CHECK 8
/* Exec and libssl-open records wake the reader (BPF_RB_FORCE_WAKEUP): set
 * only while the probe waits on the process ring (apps/probe/src/ring-wake.ts),
 * so that without a waiter no exec pays for the wake-up's irq_work. */
#define MCPSPY_OPT_PROC_WAKE 16
/* Elided reads fold: a reader already named on this CPU for its stream sends
 * no record, except a sample (io_common.bpf.h, fold_read). */
#define MCPSPY_OPT_FOLD_READS 32

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcpspy_settings);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8); /* 1 = listed, 2 = followed (a descendant) */
} pid_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} pid_exclude SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MCPSPY_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Size is set by the loader (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

struct mcpspy_scratch {
	struct mcpspy_event ev;
	__u8 data[MCPSPY_CHUNK];
};

/* Chunks are assembled here so bpf_ringbuf_output can copy exactly
 * header + len bytes; a fixed-size reserve would waste ring space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcpspy_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} call_seq SEC(".maps");

/* Bytes of a stream (per side) that could not be emitted; the next chunk
 * that gets through carries them as F_LOST_BEFORE + lost_bytes. */
struct lost_key {
	__u64 stream_id;
	__u32 pid;
	__u8 kind;
	__u8 direction;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct lost_key);
	__type(value, __u64);
} lost_bytes SEC(".maps");

/* Streams that passed a prefilter once stay captured: continuation writes
 * of a large JSON message do not start with '{'. */
struct tracked_key {
	__u64 stream_id;
	__u32 pid;     /* 0 except for TLS, whose ids are per-process pointers */
	__u32 fd_type;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tracked_key);
	__type(value, __u8);
} tracked SEC(".maps");

#ifdef MCPSPY_TLS_MAPS
/* Maps the TLS and syscall objects share (the loader hands the TLS object's
 * fds to the syscall object before load) to tie an SSL* to its socket. */
struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 out_len; /* size_t* of the _ex variants */
	__u8 dir;
	__u8 is_ex;
	__u8 lib; /* enum mcpspy_tls_lib */
	__u8 pad[5];
};

/* SSL calls in flight, by pid_tgid: a socket syscall made inside one (an
 * OpenSSL socket BIO, as Python uses) names the SSL's socket exactly. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct ssl_key {
	__u64 ssl;
	__u32 pid;
	__u32 pad;
};

struct sock_ref {
	__s32 fd;
	__u32 exact; /* seen inside an SSL call: order heuristics never replace it */
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ssl_key);
	__type(value, struct sock_ref);
} ssl_sock SEC(".maps");

/* Memory-BIO programs (Node) move the ciphertext outside the SSL call: the
 * socket read just before SSL_read, and the socket written just after
 * SSL_write, on the same thread, are the SSL's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sock_ref);
} tls_last_read SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} tls_pending_write SEC(".maps");
#endif

static __always_inline void stat_add(__u32 idx, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &idx);
	if (c)
		*c += v;
}

/* Runs first on every traced syscall of every process, so it touches no
 * hash map unless a pid list is in use: settings come from an inlined array
 * lookup and the name is read straight out of task_struct (the CURRENT
 * name, so a process renamed by prctl(PR_SET_NAME) is judged by its new
 * name). */
static __always_inline int mcpspy_allowed(__u32 tgid)
{
	__u32 zero = 0;
	struct mcpspy_settings *s = bpf_map_lookup_elem(&settings, &zero);
	if (!s || tgid == s->self_pid)
		return 0;
	if (s->n_exclude && bpf_map_lookup_elem(&pid_exclude, &tgid))
		return 0;
	__u32 mode = s->filter_mode;
	if (!mode)
		return 1;
	if (mode & FILTER_COMMS) {
		/* The process's name is its thread-group leader's; the calling
		 * thread may be named otherwise (Bun writes from "HTTP Client",
		 * and a process can rename one thread to slip past the list).
		 * Either name in the list selects the call. */
		struct task_struct *t = bpf_get_current_task_btf();
		struct task_struct *l = t->group_leader;
		struct comm_key k, kl;
		k.lo = *(__u64 *)&t->comm[0];
		k.hi = *(__u64 *)&t->comm[8];
		kl.lo = *(__u64 *)&l->comm[0];
		kl.hi = *(__u64 *)&l->comm[8];
		__u32 n = s->n_comms;
		for (__u32 i = 0; i < MCPSPY_MAX_COMMS; i++) {
			if (i >= n)
				break;
			if ((s->comms[i].lo == k.lo && s->comms[i].hi == k.hi) ||
			    (s->comms[i].lo == kl.lo && s->comms[i].hi == kl.hi))
				return 1;
		}
	}
	if ((mode & FILTER_PIDS) && bpf_map_lookup_elem(&pid_allow, &tgid))
		return 1;
	return 0;
}

/* Streams with bytes waiting in lost_bytes, over all CPUs. Zero on a
 * healthy system, so the emitter skips that LRU lookup per chunk. */
__u64 lost_pending = 0;

static __always_inline __u64 next_call_id(void)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&call_seq, &zero);
	__u64 n = 0;
	if (c) {
		*c += 1;
		n = *c;
	}
	return ((__u64)bpf_get_smp_processor_id() << 48) | (n & 0xffffffffffffULL);
}

/* The bytes of one call, described as one user buffer or an iovec array. */
struct emit_ctx {
	struct mcpspy_event hdr;
	__u64 iov;      /* user pointer to struct iovec[]; 0 = single buffer */
	__u64 iov_cnt;
	__u64 iov_idx;
	__u64 seg_base; /* current user buffer */
	__u64 seg_left; /* bytes left in it */
	__u64 off;      /* bytes of the call handled so far */
	__u64 total;
	__u8 gap;       /* this call lost something */
};

/* The emitter's state lives in a map value, not on the stack: the verifier
 * then sees its fields as unknown scalars and checks the bpf_loop callback
 * once, instead of walking every concrete iteration of a constant state. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct emit_ctx);
} emit_state SEC(".maps");

static __always_inline struct emit_ctx *emit_ctx_get(void)
{
	__u32 zero = 0;
	struct emit_ctx *c = bpf_map_lookup_elem(&emit_state, &zero);
	if (c)
		__builtin_memset(c, 0, sizeof(*c));
	return c;
}

/* Processes that had a loss pending since their last sweep: the exit sweep
 * (io_common.bpf.h sweep_lost) walks lost_bytes only for them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} lost_pids SEC(".maps");

/* Bytes of a stream (per side) lost: added to its lost_bytes counter, which
 * the next record that gets through reports (F_LOST_BEFORE). */
static __always_inline void note_lost_key(struct lost_key *k, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&lost_bytes, k);
	__u8 one = 1;
	if (v) {
		if (__sync_fetch_and_add(v, n) == 0) {
			__sync_fetch_and_add(&lost_pending, 1);
			bpf_map_update_elem(&lost_pids, &k->pid, &one, BPF_ANY);
		}
	} else {
		bpf_map_update_elem(&lost_bytes, k, &n, BPF_ANY);
		__sync_fetch_and_add(&lost_pending, 1);
		bpf_map_update_elem(&lost_pids, &k->pid, &one, BPF_ANY);
	}
	stat_add(MCPSPY_STAT_LOST_BYTES, n);
}

static __always_inline void note_lost(struct emit_ctx *c, __u64 n)
{
	struct lost_key k = {
		.stream_id = c->hdr.stream_id,
		.pid = c->hdr.pid,
		.kind = c->hdr.kind,
		.direction = c->hdr.direction,
	};
	note_lost_key(&k, n);
	c->gap = 1;
}

static long emit_step(__u32 i, void *arg)
{
	__u32 zero = 0;
	struct emit_ctx *c = bpf_map_lookup_elem(&emit_state, &zero);
	if (!c)
		return 1;
	if (c->off >= c->total)
		return 1;
	if (c->seg_left == 0) {
		struct iovec v;
		if (!c->iov || c->iov_idx >= c->iov_cnt || c->iov_idx >= MCPSPY_MAX_IOV)
			return 1;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(c->iov + c->iov_idx * sizeof(struct iovec)))) {
			stat_add(MCPSPY_STAT_READ_FAULTS, 1);
			note_lost(c, c->total - c->off);
			return 1;
		}
		c->iov_idx++;
		c->seg_base = (__u64)v.iov_base;
		c->seg_left = v.iov_len;
		if (c->seg_left > c->total - c->off)
			c->seg_left = c->total - c->off;
		return 0;
	}

	__u64 len = c->seg_left;
	if (len > MCPSPY_CHUNK)
		len = MCPSPY_CHUNK;

	struct mcpspy_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 1;
	__builtin_memcpy(&s->ev, &c->hdr, sizeof(s->ev));
	s->ev.offset = c->off;
	s->ev.len = len;
	s->ev.flags = c->hdr.flags & MCPSPY_F_TLS_LIB_MASK;
	s->ev.lost_bytes = 0;
	if (c->off == 0)
		s->ev.flags |= MCPSPY_F_FIRST;
	if (c->off + len >= c->total)
		s->ev.flags |= MCPSPY_F_LAST;

	__u64 src = c->seg_base;
	c->seg_base += len;
	c->seg_left -= len;
	c->off += len;

	if (bpf_probe_read_user(s->data, len, (void *)src)) {
		stat_add(MCPSPY_STAT_READ_FAULTS, 1);
		note_lost(c, len);
		return 0;
	}

	__u64 *lost = NULL;
	__u64 lost_n = 0;
	if (lost_pending) {
		struct lost_key k = {
			.stream_id = c->hdr.stream_id,
			.pid = c->hdr.pid,
			.kind = c->hdr.kind,
			.direction = c->hdr.direction,
		};
		lost = bpf_map_lookup_elem(&lost_bytes, &k);
		lost_n = lost ? *lost : 0;
	}
	if (lost_n) {
		s->ev.flags |= MCPSPY_F_LOST_BEFORE;
		s->ev.lost_bytes = lost_n > 0xffffffffULL ? 0xffffffffU : (__u32)lost_n;
	}

	/* No wake-up: the reader polls the ring memory on a timer, never epoll. */
	if (bpf_ringbuf_output(&events, s, sizeof(struct mcpspy_event) + len, BPF_RB_NO_WAKEUP)) {
		stat_add(MCPSPY_STAT_RINGBUF_FULL, 1);
		note_lost(c, len);
		return 0;
	}
	if (lost_n && __sync_fetch_and_sub(lost, lost_n) == lost_n)
		__sync_fetch_and_sub(&lost_pending, 1);
	stat_add(MCPSPY_STAT_EVENTS, 1);
	stat_add(MCPSPY_STAT_BYTES, len);
	return 0;
}

/* Emits the call's bytes as chunks; bpf_loop keeps the verifier happy for
 * multi-megabyte calls that no unrolled loop could cover. */
static __always_inline void emit_call(struct emit_ctx *c)
{
	/* A step either loads an iovec or emits one chunk of it: each iovec costs
	 * one load plus at least one emit (total / CHUNK + 1 emits at most beyond
	 * one per iovec). One step per iovec lost the tail of 3+-iovec writevs. */
	__u64 steps = c->total / MCPSPY_CHUNK + 2;
	/* Each iovec costs one step to load and at most one more for the
	 * chunk its end leaves partial (or none when it is empty). */
	if (c->iov)
		steps += 2 * c->iov_cnt;
	if (steps > MCPSPY_MAX_STEPS)
		steps = MCPSPY_MAX_STEPS;
	/* Most MCP messages fit one chunk: skip bpf_loop's setup for them. */
	if (!c->iov && c->total <= MCPSPY_CHUNK)
		emit_step(0, NULL);
	else
		bpf_loop(steps, emit_step, NULL, 0);
	if (c->off < c->total) /* ran out of steps or of iovecs */
		note_lost(c, c->total - c->off);
	if (c->gap)
		stat_add(MCPSPY_STAT_GAPS, 1);
}

static __always_inline void fill_header(struct mcpspy_event *h, __u8 kind, __u8 dir, __u8 fd_type,
					__s32 fd, __u64 stream_id, __u64 total)
{
	__u64 id = bpf_get_current_pid_tgid();
	h->kind = kind;
	h->direction = dir;
	h->fd_type = fd_type;
	h->flags = 0;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->fd = fd;
	h->ts_ns = bpf_ktime_get_ns();
	h->stream_id = stream_id;
	h->call_id = next_call_id();
	h->total_len = total;
	h->offset = 0;
	h->len = 0;
	h->lost_bytes = 0;
	/* The process's current name, its main thread's (a prctl rename shows
	 * from the next call on; Bun's "HTTP Client" thread still reports
	 * "bun"), read straight from task_struct: the kernel keeps it
	 * NUL-padded, so two 8-byte loads equal bpf_get_current_comm without
	 * its string copy. */
	struct task_struct *t = bpf_get_current_task_btf()->group_leader;
	*(__u64 *)&h->comm[0] = *(__u64 *)&t->comm[0];
	*(__u64 *)&h->comm[8] = *(__u64 *)&t->comm[8];
}

/* A record about to be submitted from a reserve (no later failure can lose
 * it) takes the stream's pending lost bytes: F_LOST_BEFORE and the count go
 * into its header, and the counter is emptied. */
static __always_inline void take_lost(struct mcpspy_event *h, struct lost_key *k)
{
	if (!lost_pending)
		return;
	__u64 *lost = bpf_map_lookup_elem(&lost_bytes, k);
	__u64 lost_n = lost ? *lost : 0;
	if (!lost_n)
		return;
	h->flags |= MCPSPY_F_LOST_BEFORE;
	h->lost_bytes = lost_n > 0xffffffffULL ? 0xffffffffU : (__u32)lost_n;
	if (__sync_fetch_and_sub(lost, lost_n) == lost_n)
		__sync_fetch_and_sub(&lost_pending, 1);
}

/* A record of one chunk read straight from user memory into the ring: the
 * header is filled in place, the stream's pending loss is taken, and the
 * record is submitted. `h` is the reserved record, its data already read. */
static __always_inline void small_commit(struct mcpspy_event *h, struct lost_key *k, __u8 kind, __u8 dir,
					 __u8 fd_type, __s32 fd, __u64 stream_id, __u32 len, __u8 flags)
{
	fill_header(h, kind, dir, fd_type, fd, stream_id, len);
	h->len = len;
	h->flags = flags;
	take_lost(h, k);
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	stat_add(MCPSPY_STAT_EVENTS, 1);
	stat_add(MCPSPY_STAT_BYTES, len);
}

/* Size classes of records reserved in the ring for one small call: a
 * reserve takes a constant size, so a call of len bytes takes the first
 * class that holds it, and the record's unused tail is padding (the drain
 * takes a record's length from its header's len, never from the ring's
 * record length). 64-byte steps to 512, then 1, 2 and 4 KB: a ~110-byte MCP
 * line takes 80 + 128 bytes of ring instead of 80 + 110. */
#define SMALL_RESERVE_MAX 4096
#define SMALL_CLASS(N)                                                                                   \
	if (len <= (N)) {                                                                                \
		struct {                                                                                 \
			struct mcpspy_event ev;                                                          \
			__u8 data[N];                                                                    \
		} *r_ = bpf_ringbuf_reserve(&events, sizeof(*r_), 0);                                    \
		if (!r_)                                                                                 \
			goto full;                                                                       \
		/* Bounded again right before the read: clang may spill len before the  \
		 * test above, and Linux 6.1's verifier loses the bound across the spill \
		 * (the object was refused there: "R1 min value is outside of the        \
		 * allowed memory range"). barrier_var keeps clang from dropping it. */  \
		__u32 l_ = len;                                                                          \
		barrier_var(l_);                                                                         \
		if (l_ > (N))                                                                            \
			l_ = (N);                                                                        \
		if (bpf_probe_read_user(r_->data, l_, (void *)ubuf)) {                                   \
			bpf_ringbuf_discard(r_, BPF_RB_NO_WAKEUP);                                       \
			goto fault;                                                                      \
		}                                                                                        \
		small_commit(&r_->ev, &k, kind, dir, fd_type, fd, stream_id, l_, flags);                 \
		return;                                                                                  \
	}

/* One call that fits one chunk and sits in one user buffer (most MCP
 * messages). Up to 4 KB the bytes are read straight into a reserved ring
 * record (no copy through a scratch value: ~20-40 ns less per MCP line,
 * bench/README.md session 8); larger ones go through the scratch value and
 * bpf_ringbuf_output, which copies exactly header + len. */
static __always_inline void emit_small_flags(__u8 kind, __u8 dir, __u8 fd_type, __s32 fd, __u64 stream_id,
					     __u64 ubuf, __u32 n, __u8 extra_flags)
{
	__u32 len = n;
	/* Kept even when the caller already bounded n: clang then drops this
	 * test, and Linux 6.1's verifier loses the caller's bound across the
	 * 32-bit move (rustls' uretprobe failed with "R2 unbounded memory
	 * access" there). */
	barrier_var(len);
	if (len > MCPSPY_CHUNK)
		len = MCPSPY_CHUNK;
	__u8 flags = MCPSPY_F_FIRST | MCPSPY_F_LAST | extra_flags;
	struct lost_key k = {
		.stream_id = stream_id,
		.pid = bpf_get_current_pid_tgid() >> 32,
		.kind = kind,
		.direction = dir,
	};
	SMALL_CLASS(64)
	SMALL_CLASS(128)
	SMALL_CLASS(192)
	SMALL_CLASS(256)
	SMALL_CLASS(320)
	SMALL_CLASS(384)
	SMALL_CLASS(448)
	SMALL_CLASS(512)
	SMALL_CLASS(1024)
	SMALL_CLASS(2048)
	SMALL_CLASS(SMALL_RESERVE_MAX)
	__u32 zero = 0;
	struct mcpspy_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	if (bpf_probe_read_user(s->data, len, (void *)ubuf))
		goto fault;
	fill_header(&s->ev, kind, dir, fd_type, fd, stream_id, len);
	s->ev.len = len;
	s->ev.flags = flags;
	__u64 *lost = NULL;
	__u64 lost_n = 0;
	if (lost_pending) {
		lost = bpf_map_lookup_elem(&lost_bytes, &k);
		lost_n = lost ? *lost : 0;
		if (lost_n) {
			s->ev.flags |= MCPSPY_F_LOST_BEFORE;
			s->ev.lost_bytes = lost_n > 0xffffffffULL ? 0xffffffffU : (__u32)lost_n;
		}
	}
	if (bpf_ringbuf_output(&events, s, sizeof(struct mcpspy_event) + len, BPF_RB_NO_WAKEUP))
		goto full;
	if (lost_n && __sync_fetch_and_sub(lost, lost_n) == lost_n)
		__sync_fetch_and_sub(&lost_pending, 1);
	stat_add(MCPSPY_STAT_EVENTS, 1);
	stat_add(MCPSPY_STAT_BYTES, len);
	return;
full:
	stat_add(MCPSPY_STAT_RINGBUF_FULL, 1);
	goto lost;
fault:
	stat_add(MCPSPY_STAT_READ_FAULTS, 1);
lost:
	note_lost_key(&k, len);
	stat_add(MCPSPY_STAT_GAPS, 1);
}
#undef SMALL_CLASS

static __always_inline void emit_small(__u8 kind, __u8 dir, __u8 fd_type, __s32 fd, __u64 stream_id,
				       __u64 ubuf, __u32 n)
{
	emit_small_flags(kind, dir, fd_type, fd, stream_id, ubuf, n, 0);
}

/* Kept out of line: clang 14 inlines byte scans into shifts the verifier
 * rejects ("pointer arithmetic with <<= prohibited"), and a whitespace test
 * written as a set of cases becomes a bit test on an uninitialised register.
 * JSON whitespace is all <= ' ', so one comparison covers it.
 * Returns 0 when the (up to) 16 bytes are all whitespace, 1 when JSON starts
 * ('{' or '['), 2 for anything else or unreadable memory. */
__noinline int json_block(__u64 ubuf, __u64 n)
{
	__u8 b[16] = {};
	__u32 k = n < 16 ? n : 16;
	if (k == 0 || bpf_probe_read_user(b, k & 0x1f, (void *)ubuf))
		return 2;
	for (int i = 0; i < 16; i++) {
		if (i >= k)
			return 0;
		__u8 ch = b[i];
		if (ch == '{' || ch == '[')
			return 1;
		if (ch > ' ')
			return 2;
	}
	return 0;
}

/* Leading whitespace is scanned this far; past it the stream is captured
 * anyway: the SDKs' parsers accept any amount of it, so padding must not
 * hide a stream (the user-space parser drops what is not JSON). */
#define MCPSPY_WS_SCAN 4096

struct ws_scan {
	__u64 ubuf;
	__u64 n;
	__u64 off;
	__u64 verdict;
};

static long ws_step(__u32 i, void *arg)
{
	struct ws_scan *w = arg;
	if (w->off >= w->n)
		return 1;
	int r = json_block(w->ubuf + w->off, w->n - w->off);
	w->off += 16;
	if (r) {
		w->verdict = r;
		return 1;
	}
	return 0;
}

/* 0: whitespace to the end of the buffer (a later write decides),
 * 1: JSON (or whitespace past the scan), 2: not JSON. */
__noinline int json_verdict(__u64 ubuf, __u64 n)
{
	int r = json_block(ubuf, n);
	if (r || n <= 16)
		return r;
	struct ws_scan w = { .ubuf = ubuf, .n = n, .off = 16 };
	bpf_loop(MCPSPY_WS_SCAN / 16, ws_step, &w, 0);
	if (w.verdict)
		return (int)w.verdict;
	return w.off < w.n ? 1 : 0;
}

static __always_inline int looks_like_json(__u64 ubuf, __u64 n)
{
	return json_verdict(ubuf, n) == 1;
}

/* A request line, a status line or the HTTP/2 preface. A call shorter than
 * four bytes passes when it is the start of one: a client may write the
 * method a byte at a time, and the stream is only tracked from its first
 * call. */
__noinline int looks_like_http(__u64 ubuf, __u64 n)
{
	__u8 b[8] = {};
	if (n == 0)
		return 0;
	__u32 k = n < 4 ? (__u32)n : 4;
	if (bpf_probe_read_user(b, k & 7, (void *)ubuf))
		return 0;
	__u32 w = b[0] | (b[1] << 8) | (b[2] << 16) | ((__u32)b[3] << 24);
	__u32 m = k >= 4 ? 0xffffffffU : ((1U << (8 * k)) - 1);
	w &= m;
#define W(a, b2, c2, d) (((__u32)(a) | ((__u32)(b2) << 8) | ((__u32)(c2) << 16) | ((__u32)(d) << 24)) & m)
	return w == W('G', 'E', 'T', ' ') || w == W('P', 'O', 'S', 'T') || w == W('P', 'U', 'T', ' ') ||
	       w == W('D', 'E', 'L', 'E') || w == W('H', 'E', 'A', 'D') || w == W('O', 'P', 'T', 'I') ||
	       w == W('P', 'A', 'T', 'C') || w == W('H', 'T', 'T', 'P') ||
	       w == W('P', 'R', 'I', ' '); /* HTTP/2 connection preface (h2c prior knowledge, TLS with ALPN h2) */
#undef W
}

/* A TLS handshake record holding a ClientHello (RFC 8446 5.1, 4.1.2):
 * content type 22, legacy version 3.x, handshake type 1. */
__noinline int looks_like_client_hello(__u64 ubuf, __u64 n)
{
	__u8 b[8] = {};
	if (n < 6 || bpf_probe_read_user(b, 6, (void *)ubuf))
		return 0;
	return b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04 && b[5] == 0x01;
}

#endif
