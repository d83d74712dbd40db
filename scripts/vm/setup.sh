#!/usr/bin/env bash
# Set-up for `npm run test:kernels` only (not needed by npm test): QEMU and a
# static busybox for the guest's initramfs. The kernel package is fetched by
# scripts/vm/run-kernels.mjs itself (apt-get download).
set -euo pipefail
APT_PACKAGES="qemu-system-x86 busybox-static"
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
echo "vm setup: $APT_PACKAGES installed"
