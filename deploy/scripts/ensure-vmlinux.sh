#!/bin/sh
# Makes sure bpf/vmlinux.h exists before `make -C bpf`.
#
# vmlinux.h only supplies kernel type definitions at compile time: the BPF
# objects use CO-RE, so libbpf relocates every field access against the BTF of
# the kernel they are loaded on (/sys/kernel/btf/vmlinux, mounted into the
# probe container). A header from any BTF-enabled kernel of the same
# architecture therefore works on the others.
#
# Sources, first found wins:
#   1. an existing bpf/vmlinux.h (e.g. generated on the host before the build,
#      for build sandboxes that cannot read /sys)
#   2. the BTF file named by $VMLINUX_BTF (default /sys/kernel/btf/vmlinux,
#      which inside `docker build` is the build host's kernel)
# Usage: ensure-vmlinux.sh [output-path]   (default: bpf/vmlinux.h)
set -eu

out=${1:-bpf/vmlinux.h}
btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
bpftool=${BPFTOOL:-$(command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)}

if [ -s "$out" ]; then
  echo "ensure-vmlinux: using existing $out" >&2
  exit 0
fi
if [ ! -r "$btf" ]; then
  echo "ensure-vmlinux: failed to generate $out: $btf is not readable" >&2
  echo "ensure-vmlinux: run 'bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h' on a host with BTF, then build again" >&2
  exit 1
fi
tmp="$out.tmp.$$"
if ! "$bpftool" btf dump file "$btf" format c >"$tmp"; then
  rm -f "$tmp"
  echo "ensure-vmlinux: failed to generate $out: bpftool could not dump $btf" >&2
  exit 1
fi
mv "$tmp" "$out"
echo "ensure-vmlinux: generated $out from $btf" >&2
