#!/usr/bin/env node
// Runs the probe's hook-backend tests (apps/probe/test/hooks.test.ts and
// hook-parity.test.ts) inside a virtual machine booted on Debian's own kernel
// package, where fexit programs load (the development kernel refuses them).
// `npm run test:kernels`.
//
// What it builds (cached in $MCPSPY_VM_CACHE, default /var/cache/mcpspy-vm):
// - the kernel: `apt-get download linux-image-<ver>-amd64` (the version
//   linux-image-amd64 depends on, or $MCPSPY_VM_KERNEL_PKG), `dpkg-deb -x`;
//   with --backports, from bookworm-backports (6.12 today: there both hook
//   backends load, so the parity test compares them), through apt lists of
//   its own in the cache (the system's sources are not touched);
// - an initramfs: busybox-static, the kernel's virtio and 9p modules, and an
//   init that mounts this machine's root read-only over virtio-9p, mounts
//   proc/sys/dev and a tmpfs /tmp into it, and chroots into it to run the
//   tests with the same node, node_modules and compiled tree as here. So the
//   root filesystem is this machine's, seen read-only; nothing is copied.
// Prerequisites: root, `qemu-system-x86`, `busybox-static` (scripts/vm/setup.sh), the build
// (`npm run build`, `make -C bpf`). Without qemu it says so and exits 0.
// Acceleration: KVM when /dev/kvm opens and the guest reaches its init within
// 60 s, else software emulation (TCG); MCPSPY_VM_ACCEL=kvm|tcg forces one.
//
// Usage: node scripts/vm/run-kernels.mjs [--backports] [--more] [--host-tax] [--timeout-s 1800] [--memory-mb 2048]
//   --more      also the stdio, writev, gaps and quiet capture suites, under each backend that loads
//   --host-tax  also bench/host-tax.mjs under each backend that loads (ratios under TCG are indicative only)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const timeoutS = Number(opt('timeout-s', 1800));
const memoryMb = Number(opt('memory-mb', 2048));
const cache = process.env.MCPSPY_VM_CACHE ?? '/var/cache/mcpspy-vm';
const TEST = 'apps/probe/dist/test/hooks.test.js';
const PARITY = 'apps/probe/dist/test/hook-parity.test.js';
// --more: the probe's stdio, writev and gaps (every issue-18 path) suites, under each backend that loads.
const MORE = args.includes('--more') ? ['apps/probe/dist/test/stdio.test.js', 'apps/probe/dist/test/writev.test.js', 'apps/probe/dist/test/gaps.test.js', 'apps/probe/dist/test/quiet.test.js'] : [];
const HOST_TAX = args.includes('--host-tax');
const BACKPORTS = args.includes('--backports');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
function sh(cmd, opts = {}) {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`failed: ${cmd}\n${r.stderr}`);
  return r.stdout.trim();
}
function skip(reason) {
  console.log(`test:kernels: skipped: ${reason}`);
  process.exit(0);
}

const qemu = which('qemu-system-x86_64');
if (!qemu) skip('qemu-system-x86_64 is missing (bash scripts/vm/setup.sh installs it)');
if (process.arch !== 'x64') skip(`runs x86_64 guests only (this is ${process.arch})`);
if (process.getuid?.() !== 0) skip('needs root (apt-get download, loading BPF in the guest)');
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
if (!busybox || !/static/.test(sh(`file -L ${busybox} 2>/dev/null || echo static`))) {
  skip('busybox-static is missing (bash scripts/vm/setup.sh installs it)');
}
if (!existsSync(join(root, TEST))) throw new Error(`${TEST} is missing: run npm run build first`);
if (!existsSync(join(root, 'bpf/.output/io_fexit.bpf.o'))) throw new Error('bpf/.output/io_fexit.bpf.o is missing: run make -C bpf');

// 1. The kernel package.
let aptOpts = '';
if (BACKPORTS) {
  // Lists of its own: the system's apt sources and lists stay as they are.
  const bpo = join(cache, 'bpo');
  mkdirSync(join(bpo, 'lists/partial'), { recursive: true });
  writeFileSync(join(bpo, 'sources.list'), 'deb http://deb.debian.org/debian bookworm-backports main\n');
  aptOpts = `-o Dir::State::Lists=${bpo}/lists -o Dir::Etc::SourceList=${bpo}/sources.list -o Dir::Etc::SourceParts=- -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=`;
  if (!existsSync(join(bpo, 'lists/lock')) || !readdirSync(join(bpo, 'lists')).some((f) => f.includes('backports'))) sh(`apt-get ${aptOpts} update -qq`);
}
const pkg =
  process.env.MCPSPY_VM_KERNEL_PKG ??
  sh(`apt-cache ${aptOpts} depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'`);
if (!pkg) throw new Error('cannot tell which kernel package linux-image-amd64 depends on (apt-get update?)');
const kdir = join(cache, pkg);
if (!existsSync(join(kdir, 'done'))) {
  rmSync(kdir, { recursive: true, force: true });
  mkdirSync(kdir, { recursive: true });
  console.log(`test:kernels: downloading ${pkg}`);
  sh(`cd ${kdir} && apt-get ${aptOpts} download ${pkg} && dpkg-deb -x ${pkg}_*.deb x && rm -f ${pkg}_*.deb`);
  writeFileSync(join(kdir, 'done'), '');
}
const kver = readdirSync(join(kdir, 'x/lib/modules'))[0];
const vmlinuz = join(kdir, 'x/boot', `vmlinuz-${kver}`);

// 2. The initramfs.
const MODULES = [
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci',
  'fs/netfs/netfs',
  'fs/fscache/fscache',
  'net/9p/9pnet',
  'net/9p/9pnet_virtio',
  'fs/9p/9p',
];
const guestCmd = [
  `cd ${root}`,
  'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp',
  `echo "MCPSPY_VM kernel $(uname -r) $(uname -v)"`,
  'export NO_COLOR=1 NODE_DISABLE_COLORS=1',
  'node scripts/vm/backends.cjs 2>/dev/null | tee /tmp/backends',
  'rc=0',
  `MCPSPY_EXPECT_HOOKS=fexit node --test --test-reporter=spec --test-concurrency=1 ${TEST} ${PARITY} || rc=1`,
  ...(MORE.length || HOST_TAX
    ? [
        'for b in fexit tracepoints; do grep -q "backend $b: loads" /tmp/backends || continue',
        ...(MORE.length ? [`echo "MCPSPY_VM suites under $b"; MCPSPY_HOOKS=$b node --test --test-reporter=spec --test-concurrency=1 ${MORE.join(' ')} || rc=1`] : []),
        ...(HOST_TAX ? ['echo "MCPSPY_VM host-tax under $b"; node bench/host-tax.mjs --hooks $b --seconds 1 --rounds 3 || rc=1'] : []),
        'done',
      ]
    : []),
  '(exit $rc)',
].join('; ');
const init = `#!/bin/busybox sh
/bin/busybox --install -s /bin
echo "MCPSPY_VM init"
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${MODULES.map((m) => m.split('/').pop()).join(' ')}; do
  [ -f /mods/$m.ko ] && insmod /mods/$m.ko
done
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /host; then
  echo "MCPSPY_VM_EXIT 90 (cannot mount the host root over 9p)"; poweroff -f
fi
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run 2>/dev/null
mount -t bpf bpf /host/sys/fs/bpf 2>/dev/null
chroot /host /bin/sh -c '${guestCmd.replace(/'/g, `'\\''`)}'
echo "MCPSPY_VM_EXIT $?"
poweroff -f
`;
const ird = join(cache, `initramfs-${kver}`);
rmSync(ird, { recursive: true, force: true });
for (const d of ['bin', 'proc', 'sys', 'dev', 'mods', 'host']) mkdirSync(join(ird, d), { recursive: true });
copyFileSync(busybox, join(ird, 'bin/busybox'));
chmodSync(join(ird, 'bin/busybox'), 0o755);
for (const m of MODULES) {
  const src = join(kdir, 'x/lib/modules', kver, 'kernel', `${m}.ko`);
  const dst = join(ird, 'mods', `${m.split('/').pop()}.ko`);
  if (existsSync(src)) copyFileSync(src, dst);
  // Newer Debian kernels ship xz-compressed modules, which busybox insmod does not read.
  else if (existsSync(`${src}.xz`)) sh(`xz -dc '${src}.xz' > '${dst}'`);
}
writeFileSync(join(ird, 'init'), init, { mode: 0o755 });
const initrd = join(cache, `initramfs-${kver}.cpio.gz`);
sh(`cd ${ird} && find . | ${busybox} cpio -o -H newc 2>/dev/null | gzip -1 > ${initrd}`);

// 3. Boot: KVM when it opens and the guest reaches its init in time (a nested guest on
// some hosts, this development machine included, hangs right after the kernel
// decompresses), else software emulation (TCG).
function kvmUsable() {
  if (process.env.MCPSPY_VM_ACCEL === 'tcg') return false;
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    if (process.env.MCPSPY_VM_ACCEL === 'kvm') throw new Error('MCPSPY_VM_ACCEL=kvm but /dev/kvm does not open');
    return false;
  }
}
const KVM_INIT_S = Number(process.env.MCPSPY_VM_KVM_INIT_S ?? 60);
const qargs = (kvm) => [
  '-nographic', '-no-reboot',
  '-m', String(memoryMb), '-smp', '2',
  ...(kvm ? ['-accel', 'kvm', '-cpu', 'host,-arch-capabilities'] : ['-accel', 'tcg', '-cpu', 'max']),
  '-kernel', vmlinuz,
  '-initrd', initrd,
  '-append', 'console=ttyS0 panic=-1 loglevel=4',
  '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
];
const started = Date.now();
let kvmNote = '';
function boot(kvm) {
  return new Promise((resolveBoot) => {
    console.log(`test:kernels: booting ${pkg} (${kver}) with ${kvm ? 'KVM' : 'software emulation (TCG)'}; timeout ${timeoutS} s`);
    const child = spawn(qemu, qargs(kvm), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let gaveUp = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    const initTimer = kvm
      ? setTimeout(() => {
          if (out.includes('MCPSPY_VM init')) return;
          gaveUp = true;
          console.log(`\ntest:kernels: KVM guest did not reach init in ${KVM_INIT_S} s (nested virtualisation broken here?); falling back to TCG`);
          child.kill('SIGKILL');
        }, KVM_INIT_S * 1000)
      : undefined;
    const timer = setTimeout(() => {
      console.log(`\ntest:kernels: timed out after ${timeoutS} s`);
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(initTimer);
      resolveBoot({ out, gaveUp });
    });
  });
}
let kvm = kvmUsable();
let { out, gaveUp } = await boot(kvm);
if (gaveUp) {
  kvmNote = ` (KVM tried first: no init within ${KVM_INIT_S} s)`;
  kvm = false;
  ({ out } = await boot(false));
}
const m = /MCPSPY_VM_EXIT (\d+)/.exec(out);
const kernel = /MCPSPY_VM kernel (.*)/.exec(out)?.[1]?.trim();
const hooks = /hooks=(\w+)/.exec(out)?.[1];
const sum = (re) => [...out.matchAll(re)].reduce((a, x) => a + Number(x[1]), 0);
console.log('\ntest:kernels: summary');
console.log(`  kernel      ${kernel ?? '(did not boot to the tests)'}`);
console.log(`  accel       ${kvm ? 'KVM' : 'TCG'}${kvmNote}; ${((Date.now() - started) / 1000).toFixed(1)} s from boot to power-off`);
console.log(`  backend     ${hooks ?? '?'} (chosen by auto)`);
for (const l of out.split('\n').filter((l) => /MCPSPY_VM backend/.test(l))) console.log(`  alone       ${l.replace(/.*MCPSPY_VM backend /, '').trim()}`);
for (const l of out.split('\n').filter((l) => /ℹ (pipe|unix|parity|\d+ syscalls):/.test(l))) console.log(`  captured    ${l.replace(/.*ℹ /, '').trim()}`);
for (const l of out.split('\n').filter((l) => /^(mcp|pipe|file|redis) .*\(/.test(l.trim()) || /^host tax,/.test(l.trim()))) console.log(`  host-tax    ${l.trim()}`);
console.log(`  tests       pass ${sum(/ℹ pass (\d+)/g)}, fail ${sum(/ℹ fail (\d+)/g)}, skipped ${sum(/ℹ skipped (\d+)/g)}`);
process.exit(m ? Number(m[1]) : 1);
