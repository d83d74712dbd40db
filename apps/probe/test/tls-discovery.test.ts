/**
 * Discovery of TLS functions in real binaries, checked against the
 * toolchains' own view: the x86-64 length decoder must find exactly the RET
 * instructions `go tool objdump` lists, over every function of crypto/tls
 * and net/http in a Go build, and the .gopclntab reader must give the same
 * entries and sizes as .symtab. Bun's BoringSSL functions are found by their
 * error sites. Needs Debian's golang-go / the bun dev dependency (skips
 * with the reason otherwise); no root.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ElfFile } from '../src/elf-symbols';
import { goFunctions, parsePclntab, pclntabFunctions } from '../src/go-symbols';
import { findReturns } from '../src/x86-length';
import { discoverTls } from '../src/tls-discovery';
import { findBoringssl } from '../src/boringssl-finder';

const REPO = resolve(__dirname, '../../../..');
const GO_CLIENT = join(REPO, 'tests/e2e/fixtures/tls-clients/go-client');
const BUN = join(REPO, 'node_modules/@oven/bun-linux-x64/bin/bun');
const dir = mkdtempSync(join(tmpdir(), 'mcpspy-discovery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const goSkip = haveGo() ? undefined : "needs Debian's golang-go";

function build(stripped: boolean): string {
  const out = join(dir, stripped ? 'go-client-s' : 'go-client');
  if (existsSync(out)) return out;
  const args = ['build', '-o', out];
  if (stripped) args.push('-ldflags', '-s -w');
  execFileSync('go', [...args, '.'], {
    cwd: GO_CLIENT,
    stdio: 'pipe',
    timeout: 300_000,
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: join(tmpdir(), 'mcpspy-e2e-gocache'), GOPATH: join(dir, 'gopath'), CGO_ENABLED: '0' },
  });
  return out;
}

/** name → RET addresses, as `go tool objdump` prints them. */
function objdumpReturns(bin: string, pattern: string): Map<string, number[]> {
  const text = execFileSync('go', ['tool', 'objdump', '-s', pattern, bin], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = new Map<string, number[]>();
  let cur: number[] | undefined;
  for (const line of text.split('\n')) {
    const t = /^TEXT (\S+)\(SB\)/.exec(line);
    if (t) {
      cur = [];
      out.set(t[1], cur);
      continue;
    }
    const i = /^\s+\S+\s+0x([0-9a-f]+)\s+[0-9a-f]+\s+RET\b/.exec(line);
    if (i && cur) cur.push(parseInt(i[1], 16));
  }
  return out;
}

test('the x86-64 decoder finds exactly the RETs go tool objdump lists (crypto/tls, net/http)', { skip: goSkip }, () => {
  const bin = build(false);
  const expected = objdumpReturns(bin, '^(crypto/tls|net/http)\\.');
  assert.ok(expected.size > 500, `enough functions to mean something: ${expected.size}`);
  const elf = ElfFile.open(bin)!;
  try {
    const found = goFunctions(elf, [...expected.keys()])!;
    assert.equal(found.source, 'symtab');
    let compared = 0;
    for (const [name, rets] of expected) {
      const fn = found.functions.get(name);
      if (!fn) continue; // objdump also lists assembly stubs without a sized symbol
      const code = elf.readVaddr(fn.entry, fn.size);
      const got = findReturns(code);
      assert.ok(got, `${name}: every instruction decoded`);
      assert.deepEqual(got.map((r) => fn.entry + r), rets, name);
      compared++;
    }
    assert.ok(compared > 500, `compared ${compared} functions`);
  } finally {
    elf.close();
  }
});

test('.gopclntab gives the entries of .symtab, and the stripped build the same probes', { skip: goSkip }, () => {
  const bin = build(false);
  const elf = ElfFile.open(bin)!;
  try {
    const names = [...objdumpReturns(bin, '^crypto/tls\\.').keys()];
    const fromSymtab = goFunctions(elf, names)!.functions;
    const pcln = parsePclntab(elf.sectionData(elf.section('.gopclntab')!))!;
    assert.ok(pcln, 'a Go 1.18+ pclntab');
    const fromPcln = pclntabFunctions(pcln, new Set(names));
    let n = 0;
    for (const [name, s] of fromSymtab) {
      const p = fromPcln.get(name);
      assert.ok(p, name);
      assert.equal(p.entry, s.entry, name);
      // The pclntab size runs to the next function, over the int3 padding the symbol leaves out.
      assert.ok(p.size >= s.size && p.size - s.size < 64, `${name}: ${p.size} vs ${s.size}`);
      n++;
    }
    assert.ok(n > 100);
  } finally {
    elf.close();
  }
  const normal = discoverTls(bin);
  const stripped = discoverTls(build(true));
  assert.equal(normal.library, 'go');
  assert.equal(normal.source, 'symtab');
  assert.equal(stripped.source, 'pclntab');
  assert.ok(normal.probes.length > 2);
  assert.deepEqual(
    stripped.probes.map((p) => p.program),
    normal.probes.map((p) => p.program),
  );
});

test("Bun's static BoringSSL: SSL_read and SSL_write found by their error sites", { skip: existsSync(BUN) ? undefined : 'needs the @oven/bun-linux-x64 dev dependency' }, () => {
  const elf = ElfFile.open(BUN)!;
  try {
    const r = findBoringssl(elf);
    assert.ok(r && 'found' in r, JSON.stringify(r));
    assert.notEqual(r.found.SSL_read, r.found.SSL_write);
    // Both are function starts: int3 padding before, frame set-up (push rbp; mov rbp, rsp) at the entry.
    for (const a of [r.found.SSL_read, r.found.SSL_write]) {
      const b = elf.readVaddr(a - 1, 5);
      assert.equal(b[0], 0xcc);
      assert.deepEqual([...b.subarray(1)], [0x55, 0x48, 0x89, 0xe5]);
    }
  } finally {
    elf.close();
  }
  assert.equal(discoverTls(BUN).library, 'boringssl');
});

test('system libraries: libssl → openssl, libgnutls → gnutls, the gnutls OpenSSL wrapper → nothing', () => {
  const lib = '/usr/lib/x86_64-linux-gnu';
  if (existsSync(`${lib}/libssl.so.3`)) assert.equal(discoverTls(`${lib}/libssl.so.3`).library, 'openssl');
  if (existsSync(`${lib}/libgnutls.so.30`)) {
    const g = discoverTls(`${lib}/libgnutls.so.30`);
    assert.equal(g.library, 'gnutls');
    assert.deepEqual(g.probes.map((p) => p.at).sort(), ['gnutls_record_recv', 'gnutls_record_recv', 'gnutls_record_send', 'gnutls_record_send']);
  }
  if (existsSync(`${lib}/libgnutls-openssl.so.27`)) assert.equal(discoverTls(`${lib}/libgnutls-openssl.so.27`).library, undefined);
});
