/**
 * deploy/Dockerfile cannot be built here (no Docker engine), so its
 * instructions are read and checked against the repository: every workspace
 * installed and compiled, every dist/ shipped, the BPF toolchain in the build
 * stage and libbpf in the runtime. ensure-vmlinux.sh, which the build runs,
 * is executed for real.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKERFILE, REPO, findBinary, readYaml, COMPOSE_FILE, workspaceDirs } from './deploy-helpers';

interface Instruction {
  op: string;
  args: string;
}

/** Splits a Dockerfile into instructions per stage (joins `\` continuations, drops comments). */
function parseDockerfile(text: string): { preamble: Instruction[]; stages: Map<string, Instruction[]> } {
  const logical: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && cur === '') continue;
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    cur += line;
    if (cur.trim()) logical.push(cur.trim().replace(/\s+/g, ' '));
    cur = '';
  }
  const preamble: Instruction[] = [];
  const stages = new Map<string, Instruction[]>();
  let stage: Instruction[] | undefined;
  for (const l of logical) {
    const [op, ...rest] = l.split(' ');
    const ins = { op: op.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') {
      const m = /\bAS (\S+)$/i.exec(ins.args);
      assert.ok(m, `stage needs a name: ${l}`);
      stage = [ins];
      stages.set(m[1], stage);
    } else (stage ?? preamble).push(ins);
  }
  return { preamble, stages };
}

const df = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const build = df.stages.get('build') ?? [];
const runtime = df.stages.get('runtime') ?? [];
const runs = (st: Instruction[]) => st.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
const copies = (st: Instruction[]) => st.filter((i) => i.op === 'COPY').map((i) => i.args);

describe('deploy/Dockerfile', () => {
  test('has a build and a runtime stage, both on Node 20', () => {
    assert.deepEqual([...df.stages.keys()], ['build', 'runtime']);
    const arg = df.preamble.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    assert.match(arg?.args ?? '', /^NODE_IMAGE=node:20-/);
    assert.equal(build[0].args, '${NODE_IMAGE} AS build');
    assert.equal(runtime[0].args, '${NODE_IMAGE} AS runtime');
  });

  test('the build stage installs the BPF toolchain and builds BPF objects and TypeScript', () => {
    const r = runs(build);
    for (const pkg of ['clang', 'llvm', 'libbpf-dev', 'bpftool', 'make']) assert.match(r, new RegExp(`\\b${pkg}\\b`), pkg);
    assert.match(r, /npm ci --include=optional/);
    assert.match(r, /sh deploy\/scripts\/ensure-vmlinux\.sh bpf\/vmlinux\.h && make -C bpf/);
    assert.match(r, /npm prune --omit=dev/);
    // Every workspace compiled: a new app must be added here too.
    const tsc = /npx tsc -b ([^&]+)/.exec(r)?.[1].trim().split(' ') ?? [];
    assert.deepEqual([...tsc].sort(), workspaceDirs());
  });

  test('every workspace manifest is copied before npm ci, and every dist/ into the runtime', () => {
    const b = copies(build);
    const npmCi = build.findIndex((i) => i.op === 'RUN' && i.args.includes('npm ci'));
    const beforeCi = build.slice(0, npmCi).filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.ok(beforeCi.includes('package.json package-lock.json ./'));
    const rt = copies(runtime);
    for (const ws of workspaceDirs()) {
      assert.ok(beforeCi.includes(`${ws}/package.json ${ws}/`), `build copies ${ws}/package.json before npm ci`);
      assert.ok(rt.includes(`--from=build /app/${ws}/package.json ${ws}/`), `runtime has ${ws}/package.json`);
      assert.ok(rt.includes(`--from=build /app/${ws}/dist ${ws}/dist`), `runtime has ${ws}/dist`);
    }
    assert.ok(rt.includes('--from=build /app/node_modules ./node_modules'));
    assert.ok(rt.includes('--from=build /app/bpf/.output bpf/.output'));
    assert.ok(rt.includes('--from=build /app/bin ./bin'));
    // Never the whole context: the host's node_modules would replace npm ci's.
    assert.ok(!b.some((c) => /^\. /.test(c)), 'no COPY . .');
  });

  test('the runtime has libbpf, runs the mcpspy CLI and lets the sink write /data as node', () => {
    const r = runs(runtime);
    assert.match(r, /\blibbpf1\b/);
    assert.doesNotMatch(r, /\bclang\b|libbpf-dev/, 'no compilers in the runtime');
    assert.match(r, /chown node:node \/data/);
    const entry = runtime.find((i) => i.op === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(entry!.args), ['node', '/app/bin/mcpspy.js']);
    assert.ok(runtime.some((i) => i.op === 'EXPOSE' && i.args === '9464'));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    assert.equal(`/app/${pkg.bin.mcpspy}`, '/app/bin/mcpspy.js', 'entrypoint is the package bin');
  });

  test('the compose file builds this Dockerfile from the repository root', () => {
    const compose = readYaml(COMPOSE_FILE);
    assert.equal(compose.services.sink.build.dockerfile, 'deploy/Dockerfile');
    assert.equal(compose.services.sink.build.context, '.');
    assert.ok(existsSync(join(REPO, 'deploy', 'Dockerfile.dockerignore')));
    const ignore = readFileSync(join(REPO, 'deploy', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('**/node_modules') && ignore.includes('**/dist'));
    assert.ok(!ignore.includes('bpf/vmlinux.h'), 'a pre-generated vmlinux.h must reach the build');
  });
});

describe('deploy/scripts/ensure-vmlinux.sh', () => {
  const script = join(REPO, 'deploy', 'scripts', 'ensure-vmlinux.sh');
  const run = (out: string, env: Record<string, string> = {}) =>
    spawnSync('sh', [script, out], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  test('keeps an existing header untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpspy-vmlinux-'));
    try {
      const out = join(dir, 'vmlinux.h');
      writeFileSync(out, '/* pre-generated */\n');
      const r = run(out, { VMLINUX_BTF: '/nonexistent' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(out, 'utf8'), '/* pre-generated */\n');
      assert.match(r.stderr, /using existing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails with instructions, and leaves no file, when no BTF is readable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpspy-vmlinux-'));
    try {
      const out = join(dir, 'vmlinux.h');
      const r = run(out, { VMLINUX_BTF: join(dir, 'missing-btf') });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /failed to generate .*vmlinux\.h: .*missing-btf is not readable/);
      assert.match(r.stderr, /bpftool btf dump file/);
      assert.equal(existsSync(out), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const btf = '/sys/kernel/btf/vmlinux';
  let canDump: string | false = false;
  try {
    accessSync(btf, constants.R_OK);
    canDump = findBinary('bpftool') ? false : 'bpftool is not installed';
  } catch {
    canDump = `${btf} is not readable on this machine`;
  }

  test('generates the header from this kernel’s BTF', { skip: canDump }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpspy-vmlinux-'));
    try {
      const out = join(dir, 'vmlinux.h');
      const r = run(out);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(statSync(out).size > 100_000);
      const text = readFileSync(out, 'utf8');
      assert.match(text, /struct task_struct \{/);
      assert.match(text, /struct trace_event_raw_sys_enter \{/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
