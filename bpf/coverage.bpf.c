// SPDX-License-Identifier: GPL-2.0-only
/*
 * One empty program per hook type, for `mcpspy coverage`: user space loads
 * and attaches each one alone (the others' autoload off) and reports what
 * this kernel allows. None of them does anything; they are detached at once.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} cov_ring SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int cov_tracepoint(void *ctx) { return 0; }

SEC("raw_tracepoint/sys_enter")
int cov_raw_tracepoint(void *ctx) { return 0; }

/* A ring buffer write from a tracepoint: how every record reaches user space. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int cov_ringbuf(void *ctx)
{
	__u64 v = 0;
	bpf_ringbuf_output(&cov_ring, &v, sizeof(v), 0);
	return 0;
}

SEC("kprobe/do_sys_openat2")
int cov_kprobe(void *ctx) { return 0; }

SEC("fexit/ksys_write")
int BPF_PROG(cov_fexit, unsigned int fd, const char *buf, size_t count, long ret) { return 0; }

SEC("lsm/file_permission")
int BPF_PROG(cov_lsm, struct file *file, int mask, int ret) { return ret; }

SEC("uprobe")
int cov_uprobe(void *ctx) { return 0; }
