// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process lifecycle for the probe's process table and for finding new TLS
 * targets: every exec (data = filename) and every thread-group exit.
 * Not filtered: the table must know every process to name both ends of a pipe.
 */
#include "mcpspy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define FILENAME_MAX_LEN 512

static __always_inline struct mcpspy_scratch *proc_header(__u8 kind)
{
	__u32 zero = 0;
	struct mcpspy_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 ppid = BPF_CORE_READ(t, real_parent, tgid);
	fill_header(&s->ev, kind, 0, MCPSPY_FD_NONE, -1, ppid, 0);
	s->ev.flags = MCPSPY_F_FIRST | MCPSPY_F_LAST;
	return s;
}

/* Execs and libssl opens wake the reader (BPF_RB_FORCE_WAKEUP while it waits
 * on this ring's fd, apps/probe/src/ring-wake.ts) so the TLS uprobes are
 * attached before the process runs on; the adaptive default would not wake
 * behind an unread exit. Exits need no hurry and do not wake. */
/* When the last forced wake-up was (ns, bpf_ktime_get_ns): one value for
 * every CPU; a race between two CPUs costs at most one extra wake-up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} proc_woken SEC(".maps");

/* BPF_RB_FORCE_WAKEUP while the probe waits on this ring (MCPSPY_OPT_PROC_WAKE),
 * at most once per proc_wake_gap_ns: a forced wake-up costs the submitting
 * task an irq_work (~20 us of an exec on this VM, bench/README.md session 9),
 * and the reader, once woken, waits that long before its next wait, whose
 * level-triggered poll finds the records submitted meanwhile at once. */
static __always_inline __u64 proc_wake(void)
{
	__u32 zero = 0;
	struct mcpspy_settings *st = bpf_map_lookup_elem(&settings, &zero);
	if (!st || !(st->options & MCPSPY_OPT_PROC_WAKE))
		return BPF_RB_NO_WAKEUP;
	__u64 *last = bpf_map_lookup_elem(&proc_woken, &zero);
	if (!last)
		return BPF_RB_FORCE_WAKEUP;
	__u64 now = bpf_ktime_get_ns();
	if (now - *last < st->proc_wake_gap_ns)
		return BPF_RB_NO_WAKEUP;
	*last = now;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void submit(struct mcpspy_scratch *s, __u32 len, __u64 wake)
{
	if (len > FILENAME_MAX_LEN)
		len = FILENAME_MAX_LEN;
	s->ev.len = len;
	s->ev.total_len = len;
	if (bpf_ringbuf_output(&events, s, sizeof(struct mcpspy_event) + len, wake)) {
		stat_add(MCPSPY_STAT_RINGBUF_FULL, 1);
		return;
	}
	stat_add(MCPSPY_STAT_EVENTS, 1);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct mcpspy_scratch *s = proc_header(MCPSPY_KIND_EXEC);
	if (!s)
		return 0;
	__u32 off = ctx->__data_loc_filename & 0xffff;
	long n = bpf_probe_read_kernel_str(s->data, FILENAME_MAX_LEN, (void *)ctx + off);
	if (n < 1)
		n = 1;
	/* Without the terminating NUL. */
	submit(s, (__u32)(n - 1), proc_wake());
	return 0;
}

#define CLONE_THREAD 0x00010000

static __always_inline int following_pids(void)
{
	__u32 zero = 0;
	struct mcpspy_settings *s = bpf_map_lookup_elem(&settings, &zero);
	return s && (s->filter_mode & FILTER_PIDS);
}

/* --pid follows process trees as strace -f does: a new process (not a new
 * thread) whose creator is selected is selected too, before it runs, so a
 * wrapper script's, npx's or uvx's children are captured from their first
 * call. pid_allow is one map shared by every object (the probe reuses its
 * fd), so this entry selects the child everywhere. The hook runs in the
 * creating task, inside copy_process. */
SEC("tracepoint/task/task_newtask")
int handle_newtask(struct trace_event_raw_task_newtask *ctx)
{
	if (ctx->clone_flags & CLONE_THREAD)
		return 0;
	if (!following_pids())
		return 0;
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&pid_allow, &parent))
		return 0;
	__u32 child = ctx->pid;
	__u8 inherited = 2;
	if (bpf_map_update_elem(&pid_allow, &child, &inherited, BPF_NOEXIST))
		stat_add(MCPSPY_STAT_PID_FULL, 1);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	/* The last thread out ends the process: its pid leaves the allow list,
	 * so a later process reusing the number is not selected by accident. */
	if (following_pids()) {
		struct task_struct *t = bpf_get_current_task_btf();
		if (t->signal->live.counter == 0) {
			__u32 tgid = id >> 32;
			bpf_map_delete_elem(&pid_allow, &tgid);
		}
	}
	if ((__u32)id != (id >> 32))
		return 0;
	struct mcpspy_scratch *s = proc_header(MCPSPY_KIND_EXIT);
	if (!s)
		return 0;
	submit(s, 0, BPF_RB_NO_WAKEUP);
	return 0;
}

#define OPEN_PATH_MAX 256

/* Finds "libssl" or "libgnu" (libgnutls) in the first OPEN_PATH_MAX bytes;
 * out of line for the same clang 14 reason as looks_like_json. */
static __noinline int has_libssl(const __u8 *p, __u32 n)
{
	for (__u32 i = 0; i + 6 <= OPEN_PATH_MAX; i++) {
		if (i + 6 > n)
			return 0;
		if (p[i] == 'l' && p[i + 1] == 'i' && p[i + 2] == 'b' &&
		    ((p[i + 3] == 's' && p[i + 4] == 's' && p[i + 5] == 'l') ||
		     (p[i + 3] == 'g' && p[i + 4] == 'n' && p[i + 5] == 'u')))
			return 1;
	}
	return 0;
}

/* A process opened a libssl file: user space attaches the TLS uprobes to it
 * before the library's code can run (the open comes before its mmap and
 * long before any SSL call). dlopen after exec (Python imports ssl on
 * demand, often from a virtualenv or bundled copy) would otherwise race a
 * rescan of /proc/<pid>/maps. The event carries the path as given (relative
 * to the cwd or not), read from the caller's memory after the call; failed
 * opens are not reported.
 *
 * Seen after the call, never at sys_enter: a program on any sys_enter
 * tracepoint makes EVERY syscall of every task run the kernel's sys_enter
 * hook (perf_syscall_enter: 4-15 ns more per getppid on the development
 * machine, bench/README.md session 10), and the io objects have no sys_enter
 * program. Two
 * programs, one loaded (apps/probe/src/probe.ts): with the fexit backend
 * fexit on the syscall function, so no syscall tracepoint is attached at all
 * and the tasks stay off the tracing slow path; with the tracepoint backend
 * sys_exit_openat, which adds no hook the io programs have not already put
 * on every syscall. */
static __always_inline int report_open(__u64 upath, long ret)
{
	if (ret < 0)
		return 0;
	/* Only processes the filters select: a library opened elsewhere gets
	 * its uprobes when a selected process opens it (or at its exec). */
	if (!mcpspy_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u32 zero = 0;
	struct mcpspy_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	long n = bpf_probe_read_user_str(s->data, OPEN_PATH_MAX, (void *)upath);
	if (n < 7 || !has_libssl(s->data, (__u32)n))
		return 0;
	fill_header(&s->ev, MCPSPY_KIND_LIBSSL_OPEN, 0, MCPSPY_FD_NONE, -1, 0, 0);
	s->ev.flags = MCPSPY_F_FIRST | MCPSPY_F_LAST;
	submit(s, (__u32)(n - 1), proc_wake());
	return 0;
}

/* openat(dirfd, path, ...): the path is the second argument. */
#if defined(__TARGET_ARCH_x86)
#define OPEN_PATH_ARG(r) ((r)->si)
#define SYS_OPENAT "fexit/__x64_sys_openat"
#elif defined(__TARGET_ARCH_arm64)
#define OPEN_PATH_ARG(r) ((r)->regs[1])
#define SYS_OPENAT "fexit/__arm64_sys_openat"
#else
#error "process.bpf.c: syscall argument registers unknown for this architecture"
#endif

/* The tracepoint backend's: the arguments from the task's saved user registers. */
SEC("tracepoint/syscalls/sys_exit_openat")
int handle_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	return report_open(OPEN_PATH_ARG(r), ctx->ret);
}

/* The fexit backend's: the syscall wrapper's one argument is the saved user registers. */
SEC(SYS_OPENAT)
int BPF_PROG(fx_openat, struct pt_regs *r, long ret)
{
	return report_open(OPEN_PATH_ARG(r), ret);
}
