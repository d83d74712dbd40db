// Workloads of bench/host-tax.mjs: `host-tax-load MODE SECONDS` runs MODE as
// fast as it can for SECONDS and prints "ops elapsed_ns" on stderr.
//   pipe  256-byte writes of plain bytes into a pipe drained by a child
//   file  256-byte write(2)s to a regular file (rewound every 1 MB)
//   mcp   one ~100-byte JSON-RPC line per write(2) into a pipe drained by a
//         child: traffic the monitor captures
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static pid_t drain_child(int *wfd) {
  int p[2];
  if (pipe(p)) exit(2);
  pid_t c = fork();
  if (c == 0) {
    close(p[1]);
    char buf[65536];
    while (read(p[0], buf, sizeof buf) > 0) {}
    _exit(0);
  }
  close(p[0]);
  *wfd = p[1];
  return c;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s pipe|file|mcp SECONDS [FILE]\n", argv[0]); return 2; }
  const char *mode = argv[1];
  double seconds = atof(argv[2]);
  char buf[256];
  memset(buf, 'x', sizeof buf);
  buf[255] = '\n';
  int fd;
  pid_t child = -1;
  if (!strcmp(mode, "file")) {
    fd = open(argc > 3 ? argv[3] : "host-tax.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror("open"); return 2; }
  } else {
    child = drain_child(&fd);
  }
  int mcp = !strcmp(mode, "mcp");
  long long start = now_ns(), end = start + (long long)(seconds * 1e9);
  long n = 0;
  while ((n & 255) || now_ns() < end) {
    if (mcp) {
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
  fprintf(stderr, "%ld %lld\n", n, el);
  return 0;
}
