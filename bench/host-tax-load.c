// Workloads of bench/host-tax.mjs: `host-tax-load MODE SECONDS` runs MODE as
// fast as it can for SECONDS and prints "ops elapsed_ns cpu_ns" on stderr
// (cpu_ns: user + system time of this process and its drain child).
// `host-tax-load exec CMD ARGS...` runs CMD and prints "cpu_ns" of it and its
// children on stderr (for redis-benchmark).
//   pipe  256-byte writes of plain bytes into a pipe drained by a child
//   file  256-byte write(2)s to a regular file (rewound every 1 MB)
//   mcp   one ~100-byte JSON-RPC line per write(2) into a pipe drained by a
//         child: traffic the monitor captures
//   mcp-line  as mcp, but every line is the same length (the id zero-padded)
//         and the child reads exactly one line per read(2): one write and
//         one read per op whatever the timing. With mcp's 64-KB reads the
//         child reads more lines per read when the writer is slowed (by a
//         monitor), so the pair's CPU per op FALLS under a monitor and the
//         ratio says nothing (bench/README.md, session 10)
//   nop   getppid(2) in a loop: a syscall no monitor hooks, which still pays
//         the tracing slow path (and any program on every syscall)
//   pipe-self, mcp-self  as pipe and mcp, but the same thread reads each
//         write back (one write + one read per op, no other process, no
//         context switch): the syscalls' own cost, steady under other load
//   flip  as pipe for its first 300 writes (past the probe's quiet
//         threshold, 256), then as mcp on the same pipe: a quiet stream
//         that starts to speak MCP
//   spawn fork + execve(/bin/true) + waitpid in a loop: one op per exec
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A child that reads the pipe until EOF, RSIZE bytes per read(2) at most. */
static pid_t drain_child(int *wfd, size_t rsize) {
  int p[2];
  if (pipe(p)) exit(2);
  pid_t c = fork();
  if (c == 0) {
    close(p[1]);
    static char buf[65536];
    if (rsize > sizeof buf) rsize = sizeof buf;
    while (read(p[0], buf, rsize) > 0) {}
    _exit(0);
  }
  close(p[0]);
  *wfd = p[1];
  return c;
}

static long long cpu_ns(int who) {
  struct rusage r;
  getrusage(who, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000000LL + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1000LL;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "exec")) {
    pid_t c = fork();
    if (c == 0) {
      execvp(argv[2], argv + 2);
      _exit(127);
    }
    int st = 0;
    waitpid(c, &st, 0);
    fprintf(stderr, "%lld\n", cpu_ns(RUSAGE_CHILDREN));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
  }
  if (argc < 3) { fprintf(stderr, "usage: %s pipe|file|mcp SECONDS [FILE]\n", argv[0]); return 2; }
  const char *mode = argv[1];
  double seconds = atof(argv[2]);
  char buf[256];
  memset(buf, 'x', sizeof buf);
  buf[255] = '\n';
  int fd = -1;
  pid_t child = -1;
  if (!strcmp(mode, "file")) {
    fd = open(argc > 3 ? argv[3] : "host-tax.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror("open"); return 2; }
  } else if (!strcmp(mode, "nop")) {
    long long start = now_ns(), end = start + (long long)(seconds * 1e9);
    long n = 0;
    while ((n & 1023) || now_ns() < end) {
      syscall(SYS_getppid);
      n++;
    }
    fprintf(stderr, "%ld %lld %lld\n", n, now_ns() - start, cpu_ns(RUSAGE_SELF));
    return 0;
  } else if (!strcmp(mode, "spawn")) {
    long long start = now_ns(), end = start + (long long)(seconds * 1e9);
    long n = 0;
    char *const args[] = { "true", NULL };
    char *const envp[] = { NULL };
    while (now_ns() < end) {
      pid_t c = fork();
      if (c == 0) {
        execve("/bin/true", args, envp);
        _exit(127);
      }
      if (c < 0 || waitpid(c, NULL, 0) != c) return 1;
      n++;
    }
    fprintf(stderr, "%ld %lld %lld\n", n, now_ns() - start, cpu_ns(RUSAGE_SELF) + cpu_ns(RUSAGE_CHILDREN));
    return 0;
  } else if (!strcmp(mode, "pipe-self") || !strcmp(mode, "mcp-self")) {
    int p[2];
    if (pipe(p)) return 2;
    int mcp1 = mode[0] == 'm';
    char rb[512];
    long long start = now_ns(), end = start + (long long)(seconds * 1e9);
    long n = 0;
    while ((n & 255) || now_ns() < end) {
      int len = sizeof buf;
      if (mcp1) len = snprintf(buf, sizeof buf,
        "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n", n);
      if (write(p[1], buf, len) != len) return 1;
      if (read(p[0], rb, sizeof rb) != len) return 1;
      n++;
    }
    fprintf(stderr, "%ld %lld %lld\n", n, now_ns() - start, cpu_ns(RUSAGE_SELF));
    return 0;
  }
  /* mcp-line: every line MCP_LINE bytes (the id as 10 digits), read one by one. */
  enum { MCP_LINE = 110 };
  int line = !strcmp(mode, "mcp-line");
  if (strcmp(mode, "file")) child = drain_child(&fd, line ? MCP_LINE : 65536);
  int mcp = !strcmp(mode, "mcp"), flip = !strcmp(mode, "flip");
  long long start = now_ns(), end = start + (long long)(seconds * 1e9);
  long n = 0;
  while ((n & 255) || now_ns() < end) {
    if (line) {
      int len = snprintf(buf, sizeof buf,
        "{\"jsonrpc\":\"2.0\",\"id\":%010ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n", n);
      if (len != MCP_LINE || write(fd, buf, len) != len) return 1;
    } else if (mcp || (flip && n >= 300)) {
      int len = snprintf(buf, sizeof buf,
        "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n", n);
      if (write(fd, buf, len) != len) return 1;
    } else {
      if (write(fd, buf, sizeof buf) != sizeof buf) return 1;
      if (child < 0 && (n & 4095) == 4095) lseek(fd, 0, SEEK_SET);
    }
    n++;
  }
  long long el = now_ns() - start;
  close(fd);
  if (child > 0) waitpid(child, NULL, 0);
  fprintf(stderr, "%ld %lld %lld\n", n, el, cpu_ns(RUSAGE_SELF) + cpu_ns(RUSAGE_CHILDREN));
  return 0;
}
