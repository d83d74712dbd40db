#!/usr/bin/env node
// Runs every compiled test with node:test. Unit specs sit beside their module
// (*.spec.ts); integration tests live in test/ folders (*.test.ts).
// Usage: node scripts/run-tests.mjs [path-prefix ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const prefixes = process.argv.slice(2).map((p) => p.replace(/\/$/, ''));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(full, out);
    else if (/\.(spec|test)\.js$/.test(name)) out.push(full);
  }
}

const files = [];
for (const top of ['libs', 'apps']) {
  const base = join(root, top);
  if (!existsSync(base)) continue;
  for (const proj of readdirSync(base)) {
    const dist = join(base, proj, 'dist');
    if (existsSync(dist)) walk(dist, files);
  }
}
// tests/ is one project (end-to-end and deployment suites).
if (existsSync(join(root, 'tests', 'dist'))) walk(join(root, 'tests', 'dist'), files);
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)))
  .sort();
if (selected.length === 0) {
  console.error('run-tests: no compiled tests found (did the build run?)');
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', '--test-timeout=600000', '--test-concurrency=1', ...selected];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
