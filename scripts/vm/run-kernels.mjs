#!/usr/bin/env node
// Runs the probe's hook-backend capture tests (apps/probe/test/hooks.test.ts)
// inside a virtual machine booted on Debian's own kernel package, where fexit
// programs load (the development kernel refuses them). `npm run test:kernels`.
//
// What it builds (cached in $MCPSPY_VM_CACHE, default /var/cache/mcpspy-vm):
// - the kernel: `apt-get download linux-image-<ver>-amd64` (the version
//   linux-image-amd64 depends on, or $MCPSPY_VM_KERNEL_PKG), `dpkg-deb -x`;
// - an initramfs: busybox-static, the kernel's virtio and 9p modules, and an
//   init that mounts this machine's root read-only over virtio-9p, mounts
//   proc/sys/dev and a tmpfs /tmp into it, and chroots into it to run the
//   tests with the same node, node_modules and compiled tree as here. So the
//   root filesystem is this machine's, seen read-only; nothing is copied.
// Prerequisites: root, `qemu-system-x86`, `busybox-static` (scripts/vm/setup.sh), the build
// (`npm run build`, `make -C bpf`). Without qemu it says so and exits 0.
// Software emulation (TCG) unless MCPSPY_VM_ACCEL=kvm.
//
// Usage: node scripts/vm/run-kernels.mjs [--more] [--timeout-s 1800] [--memory-mb 2048]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
// --more also runs the probe's stdio and writev capture suites in the guest (on fexit there).
const MORE = args.includes('--more') ? ['apps/probe/dist/test/stdio.test.js', 'apps/probe/dist/test/writev.test.js'] : [];

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
const pkg =
  process.env.MCPSPY_VM_KERNEL_PKG ??
  sh(`apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}'`);
if (!pkg) throw new Error('cannot tell which kernel package linux-image-amd64 depends on (apt-get update?)');
const kdir = join(cache, pkg);
if (!existsSync(join(kdir, 'done'))) {
  rmSync(kdir, { recursive: true, force: true });
  mkdirSync(kdir, { recursive: true });
  console.log(`test:kernels: downloading ${pkg}`);
  sh(`cd ${kdir} && apt-get download ${pkg} && dpkg-deb -x ${pkg}_*.deb x && rm -f ${pkg}_*.deb`);
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
  'node scripts/vm/backends.cjs 2>/dev/null',
  `MCPSPY_EXPECT_HOOKS=fexit node --test --test-reporter=spec --test-concurrency=1 ${[TEST, ...MORE].join(' ')}`,
].join('; ');
const init = `#!/bin/busybox sh
/bin/busybox --install -s /bin
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
  if (existsSync(src)) copyFileSync(src, join(ird, 'mods', `${m.split('/').pop()}.ko`));
}
writeFileSync(join(ird, 'init'), init, { mode: 0o755 });
const initrd = join(cache, `initramfs-${kver}.cpio.gz`);
sh(`cd ${ird} && find . | ${busybox} cpio -o -H newc 2>/dev/null | gzip -1 > ${initrd}`);

// 3. Boot.
// Software emulation by default: on this (itself virtual) machine /dev/kvm
// opens, but a nested guest hangs right after the kernel decompresses.
// MCPSPY_VM_ACCEL=kvm uses KVM where nesting works.
const kvm = process.env.MCPSPY_VM_ACCEL === 'kvm';
const qargs = [
  '-nographic', '-no-reboot',
  '-m', String(memoryMb), '-smp', '2',
  ...(kvm ? ['-accel', 'kvm', '-cpu', 'host,-arch-capabilities'] : ['-accel', 'tcg', '-cpu', 'max']),
  '-kernel', vmlinuz,
  '-initrd', initrd,
  '-append', 'console=ttyS0 panic=-1 loglevel=4',
  '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
];
console.log(`test:kernels: booting ${pkg} (${kver}) with ${kvm ? 'KVM' : 'software emulation (TCG)'}; timeout ${timeoutS} s`);
const started = Date.now();
const child = spawn(qemu, qargs, { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
child.stderr.on('data', (d) => process.stderr.write(d));
const timer = setTimeout(() => {
  console.log(`\ntest:kernels: timed out after ${timeoutS} s`);
  child.kill('SIGKILL');
}, timeoutS * 1000);
child.on('close', () => {
  clearTimeout(timer);
  const m = /MCPSPY_VM_EXIT (\d+)/.exec(out);
  const kernel = /MCPSPY_VM kernel (.*)/.exec(out)?.[1]?.trim();
  const hooks = /hooks=(\w+)/.exec(out)?.[1];
  const pass = /ℹ pass (\d+)/.exec(out)?.[1];
  const fail = /ℹ fail (\d+)/.exec(out)?.[1];
  console.log('\ntest:kernels: summary');
  console.log(`  kernel      ${kernel ?? '(did not boot to the tests)'}`);
  console.log(`  accel       ${kvm ? 'KVM' : 'TCG'}; ${((Date.now() - started) / 1000).toFixed(1)} s from boot to power-off`);
  console.log(`  backend     ${hooks ?? '?'} (chosen by auto)`);
  for (const l of out.split('\n').filter((l) => /MCPSPY_VM backend/.test(l))) console.log(`  alone       ${l.replace(/.*MCPSPY_VM backend /, '').trim()}`);
  for (const l of out.split('\n').filter((l) => /ℹ (pipe|unix):/.test(l))) console.log(`  captured    ${l.replace(/.*ℹ /, '').trim()}`);
  console.log(`  tests       pass ${pass ?? '?'}, fail ${fail ?? '?'}`);
  process.exit(m ? Number(m[1]) : 1);
});
