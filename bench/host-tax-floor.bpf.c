// SPDX-License-Identifier: GPL-2.0-only
/*
 * Empty programs on every syscall tracepoint the probe's tracepoint backend
 * (bpf/syscalls_io.bpf.c) attaches, for bench/host-tax.mjs: what attaching
 * them costs the machine before any work is done.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* The backend runs at sys_exit only (arguments from the saved user registers). */
#define FLOOR(name) \
	SEC("tracepoint/syscalls/sys_exit_" #name) int floor_exit_##name(void *ctx) { return 0; }

FLOOR(read)
FLOOR(write)
FLOOR(recvfrom)
FLOOR(sendto)
FLOOR(readv)
FLOOR(writev)
FLOOR(recvmsg)
FLOOR(sendmsg)
FLOOR(preadv2)
FLOOR(pwritev2)
FLOOR(recvmmsg)
FLOOR(sendmmsg)
FLOOR(vmsplice)
FLOOR(splice)
FLOOR(tee)
FLOOR(sendfile64)

/* -DFLOOR_ENTER (host-tax.mjs --floor-enter): plus one empty sys_enter
 * program, as the probe's process object had on openat before session 10:
 * any sys_enter program makes every syscall of every task run the kernel's
 * sys_enter hook too. */
#ifdef FLOOR_ENTER
SEC("tracepoint/syscalls/sys_enter_openat") int floor_enter_openat(void *ctx) { return 0; }
#endif
