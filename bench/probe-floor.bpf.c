// SPDX-License-Identifier: GPL-2.0-only
/*
 * Empty programs on the tracepoints the probe uses on its hot path, for
 * bench/probe-pipe.mjs: what attaching anything to syscall tracepoints costs
 * a process before the probe does any work (the kernel then sends every
 * syscall of every process through its slow path).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_write") int floor_enter_write(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_write") int floor_exit_write(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_read") int floor_enter_read(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_read") int floor_exit_read(void *ctx) { return 0; }
