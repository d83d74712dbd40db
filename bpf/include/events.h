/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wire structs shared by the BPF programs and libs/events (raw.events.ts).
 * Only structs and codes live here. Every field is little-endian and at a
 * fixed offset; libs/events has a test that compares these offsets with the
 * TypeScript decoder, so change both together.
 */
#ifndef MCPSPY_EVENTS_H
#define MCPSPY_EVENTS_H

#define MCPSPY_COMM_LEN 16

/* Kinds made by the kernel programs: 1..99. User-made kinds start at 100. */
enum mcpspy_kind {
	MCPSPY_KIND_IO = 1,        /* read/write family syscall data */
	MCPSPY_KIND_TLS = 2,       /* TLS plaintext (library in flags, enum mcpspy_tls_lib) */
	MCPSPY_KIND_EXEC = 3,      /* sched_process_exec; data = filename */
	MCPSPY_KIND_EXIT = 4,      /* sched_process_exit (thread-group leader) */
	MCPSPY_KIND_GAP = 5,       /* reserved: loss is reported with F_LOST_BEFORE on the next chunk */
	/* 6 (MCPSPY_KIND_LIBSSL_OPEN, bpf/mcpspy.bpf.h): a process opened a libssl
	 * file; data = path. Consumed by the probe itself to attach uprobes. */
	MCPSPY_KIND_UNSEEN = 7,    /* bytes moved where no hook reads them; data = struct mcpspy_unseen */
	MCPSPY_KIND_USER_GAP = 100 /* gap noticed in user space (batch dropped) */
};

/* What MCPSPY_KIND_UNSEEN reports: once per (pid, what), on its own ring;
 * later calls only add to the syscall object's `unseen` map. */
enum mcpspy_unseen_what {
	MCPSPY_UNSEEN_SPLICE = 1,   /* splice(2) to or from a pipe */
	MCPSPY_UNSEEN_TEE = 2,      /* tee(2): pipe to pipe */
	MCPSPY_UNSEEN_SENDFILE = 3, /* sendfile(2) into a pipe or socket */
	MCPSPY_UNSEEN_IO_URING = 4, /* an io_uring request moving bytes on a pipe or socket */
	MCPSPY_UNSEEN_QUIET = 5,    /* a quiet stream's sampled call passed the prefilter: detail = calls
				     * not checked before it, the header's total_len = their bytes */
};

struct mcpspy_unseen {
	__u32 what;   /* enum mcpspy_unseen_what */
	__u32 detail; /* io_uring: opcode of the first request; quiet: calls not checked */
};

enum mcpspy_direction {
	MCPSPY_DIR_READ = 0,  /* bytes flowing into the process */
	MCPSPY_DIR_WRITE = 1, /* bytes flowing out of the process */
};

enum mcpspy_fd_type {
	MCPSPY_FD_OTHER = 0,
	MCPSPY_FD_PIPE = 1,   /* pipe or FIFO */
	MCPSPY_FD_UNIX = 2,   /* AF_UNIX socket (Node spawns children over socketpairs) */
	MCPSPY_FD_INET = 3,   /* AF_INET / AF_INET6 socket */
	MCPSPY_FD_TTY = 4,
	MCPSPY_FD_FILE = 5,
	MCPSPY_FD_NONE = 6,   /* TLS events: no fd known */
};

enum mcpspy_flags {
	MCPSPY_F_TRUNCATED = 1 << 0, /* reserved: unreadable user memory is counted as lost bytes */
	MCPSPY_F_LOST_BEFORE = 1 << 1, /* lost_bytes of this stream were dropped before this chunk */
	MCPSPY_F_FIRST = 1 << 2,     /* first chunk of the call (offset == 0) */
	MCPSPY_F_LAST = 1 << 3,      /* last chunk of the call */
	/* bits 4..6 of TLS records: enum mcpspy_tls_lib, the hook that saw the plaintext */
	MCPSPY_F_TLS_LIB_SHIFT = 4,
	MCPSPY_F_TLS_LIB_MASK = 7 << 4,
	/* A read of a pipe or unix stream whose writer's records carry the
	 * bytes (a write of that stream was captured): the record names the
	 * reader (pid, comm, fd, time) but carries no data (len 0, total_len 0). */
	MCPSPY_F_ELIDED = 1 << 7,
};

/* TLS library of a KIND_TLS record (flags >> MCPSPY_F_TLS_LIB_SHIFT & 7). */
enum mcpspy_tls_lib {
	MCPSPY_TLS_OPENSSL = 0, /* SSL_read/SSL_write by symbol (libssl, node) */
	MCPSPY_TLS_GNUTLS = 1,  /* gnutls_record_recv/send */
	MCPSPY_TLS_GO = 2,      /* crypto/tls (*Conn).Read/Write */
	MCPSPY_TLS_BORINGSSL = 3, /* SSL_read/SSL_write found by byte pattern (Bun) */
	MCPSPY_TLS_RUSTLS = 4,
};

/*
 * One ring-buffer record: this header, then `len` bytes of data.
 * A syscall or SSL call moving `total_len` bytes becomes a sequence of
 * records with growing `offset`; all of them share `call_id`.
 *
 * stream_id: the channel the bytes travel on, equal for writer and reader
 * where the kernel lets us know it:
 *   pipe  -> pipe inode (same for both ends)
 *   unix  -> inode of the WRITING end (reads report the peer's inode)
 *   inet  -> socket inode of this process's end
 *   tls   -> SSL* pointer (unique per process; pair with pid)
 *   exec/exit -> parent tgid
 */
struct mcpspy_event {
	__u8 kind;        /* 0  enum mcpspy_kind */
	__u8 direction;   /* 1  enum mcpspy_direction */
	__u8 fd_type;     /* 2  enum mcpspy_fd_type */
	__u8 flags;       /* 3  enum mcpspy_flags */
	__u32 pid;        /* 4  tgid */
	__u32 tid;        /* 8  */
	__s32 fd;         /* 12 -1 when unknown */
	__u64 ts_ns;      /* 16 bpf_ktime_get_ns() at the call's exit */
	__u64 stream_id;  /* 24 see above */
	__u64 call_id;    /* 32 unique per call: (cpu << 48) | per-cpu counter */
	__u64 total_len;  /* 40 bytes moved by the whole call */
	__u64 offset;     /* 48 offset of this chunk inside the call */
	__u32 len;        /* 56 bytes of data following this header */
	__u32 lost_bytes; /* 60 with F_LOST_BEFORE: bytes dropped before (saturating) */
	char comm[MCPSPY_COMM_LEN]; /* 64 */
	/* 80: data[len] */
};

#define MCPSPY_EVENT_HEADER_SIZE 80

/* Per-CPU counters in the stats map, by index. */
enum mcpspy_stat {
	MCPSPY_STAT_EVENTS = 0,      /* records submitted */
	MCPSPY_STAT_BYTES = 1,       /* data bytes submitted */
	MCPSPY_STAT_RINGBUF_FULL = 2,/* reserve/output failures */
	MCPSPY_STAT_READ_FAULTS = 3, /* bpf_probe_read_user failures */
	MCPSPY_STAT_GAPS = 4,        /* calls with at least one lost chunk */
	MCPSPY_STAT_LOST_BYTES = 5,  /* data bytes not emitted */
	MCPSPY_STAT_FILTERED = 6,    /* calls rejected by prefilters */
	MCPSPY_STAT_PID_FULL = 7,    /* a followed child not added: pid_allow full */
	MCPSPY_STAT_READS_FOLDED = 8,/* elided reads sent no record: their reader was named already */
	MCPSPY_STAT_LOST_SWEPT = 9,  /* pending losses dropped at their process's exit (io_common.bpf.h sweep_lost) */
	MCPSPY_STAT_MAX = 16,
};

#endif
