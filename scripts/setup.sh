#!/usr/bin/env bash
# Installs whatever is missing, then builds. Safe to run again: each step
# checks first, so a second run takes seconds.
#   Debian packages (root only) -> npm packages -> BPF objects -> TypeScript -> web page.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

APT_PACKAGES=(clang llvm libbpf-dev bpftool make gcc libc6-dev linux-libc-dev
  nats-server redis-server libssl-dev openssl python3 strace docker-compose iproute2 tmux curl python3-h2
  chromium golang-go libgnutls28-dev cargo rustc librust-rustls-dev librust-rustls-pemfile-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "run as root (sudo npm start / sudo npm test) so they can be installed"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
lock_sum=$(sha256sum package-lock.json | cut -c1-16)
stamp=node_modules/.mcpspy-install-stamp
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
  say "installing npm packages"
  npm ci --include=optional --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >"$stamp"
fi

# BPF objects (make rebuilds only what changed).
if [[ ${MCPSPY_SKIP_BPF:-} != 1 ]]; then
  make -s -C bpf
fi

# TypeScript (incremental).
npx tsc -b tsconfig.json

# The web view's page (esbuild; skipped when nothing changed).
node apps/web/build.mjs
