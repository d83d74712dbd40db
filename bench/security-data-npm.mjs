#!/usr/bin/env node
// Recreates DATA_DIR/npm-docs and DATA_DIR/npm-code, the two benign sources of the classifier trainer
// (bench/security-train-classifier.mjs) that come from this repository's node_modules rather than from a
// repository snapshot (apps/security/model-sources.json).
//
// Usage: node bench/security-data-npm.mjs DATA_DIR [--node-modules DIR] [--dry-run]
//
// Files are listed like `find DIR -maxdepth 3 -type f` (real files only: symbolic links, and so the workspace's
// own @mcpspy/* packages, are not followed), sorted by path, and grouped by their first path component under
// node_modules (a package, or a whole @scope):
// - npm-docs/<first>/README.md: the first README.md (any letter case) of each group, at depth <= 3;
// - npm-code/<path>: the first six *.d.ts files of each group, at depth <= 3, at their own relative paths.
// With the package-lock.json of session 16 this gives what the shipped weights were trained on for npm-code
// (4,090 chunks) and 6,458 chunks for npm-docs (the shipped model counted 6,465: the recipe of session 9's folder
// was not written down; this is the closest found, see /work/data/security/REBUILT.md of session 17).
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const DATA = args[0] && !args[0].startsWith('--') ? args[0] : undefined;
const NM = opt('--node-modules', new URL('../node_modules', import.meta.url).pathname);
if (!DATA || !existsSync(NM)) {
  console.error('usage: node bench/security-data-npm.mjs DATA_DIR [--node-modules DIR] [--dry-run]');
  process.exit(2);
}
const DRY = args.includes('--dry-run');

/** Relative paths of the regular files at depth <= maxDepth under root (depth 1 = directly inside). */
function files(root, maxDepth, rel = '', depth = 1, out = []) {
  for (const name of readdirSync(join(root, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, r));
    if (st.isFile()) out.push(r);
    else if (st.isDirectory() && depth < maxDepth) files(root, maxDepth, r, depth + 1, out);
  }
  return out;
}
// Code-unit order of the whole path, as `sort` in the C locale orders these (ASCII) paths.
const all = files(NM, 3).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const firstOf = (keep, per) => {
  const seen = new Map();
  return all.filter((p) => {
    if (!keep(p)) return false;
    const top = p.split('/')[0];
    seen.set(top, (seen.get(top) ?? 0) + 1);
    return seen.get(top) <= per;
  });
};
const docs = firstOf((p) => /(^|\/)readme\.md$/i.test(p), 1);
const code = firstOf((p) => p.endsWith('.d.ts'), 6);
console.log(`${NM}: ${docs.length} READMEs (one per top folder), ${code.length} .d.ts files (six per top folder) in ${new Set(code.map((p) => p.split('/')[0])).size} folders`);
if (DRY) process.exit(0);
for (const sub of ['npm-docs', 'npm-code']) rmSync(join(DATA, sub), { recursive: true, force: true });
for (const p of docs) {
  const to = join(DATA, 'npm-docs', p.split('/')[0], 'README.md');
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(NM, p), to);
}
for (const p of code) {
  const to = join(DATA, 'npm-code', p);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(NM, p), to);
}
console.log(`written: ${join(DATA, 'npm-docs')}, ${join(DATA, 'npm-code')}`);
