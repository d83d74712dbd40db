// Drains stdin with read(2) and prints the byte count on stderr.
#include <stdio.h>
#include <unistd.h>
int main(void) {
  static char buf[65536];
  long long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) total += n;
  fprintf(stderr, "%lld\n", total);
  return 0;
}
