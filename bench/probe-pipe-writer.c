// Pipe load generator for bench/probe-pipe.mjs: writes one JSON-RPC line per
// write(2) to stdout, as fast as possible (rate 0) or at `rate` lines/s,
// for `seconds`; prints "lines elapsed_ns" on stderr.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2;
  long rate = argc > 2 ? atol(argv[2]) : 0;
  char line[256];
  long long start = now_ns(), end = start + (long long)(seconds * 1e9);
  long n = 0;
  for (;;) {
    long long t = now_ns();
    if (t >= end) break;
    if (rate > 0) {
      long long due = start + (long long)(n * (1e9 / rate));
      if (due > t) {
        struct timespec d = {0, (long)(due - t)};
        nanosleep(&d, NULL);
      }
    }
    int len = snprintf(line, sizeof line,
      "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n", n);
    if (write(1, line, len) != len) return 1;
    n++;
  }
  fprintf(stderr, "%ld %lld\n", n, now_ns() - start);
  return 0;
}
