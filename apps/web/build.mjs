#!/usr/bin/env node
// Bundles the web view's page (preact + esbuild) into apps/web/dist/public:
// index.html, app.js, app.css. No CDN: the stage serves exactly these files.
// Idempotent and fast: skipped when no source is newer than the bundle.
import { copyFileSync, mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src', 'frontend');
const out = join(here, 'dist', 'public');
const inputs = [
  ...readdirSync(src).map((f) => join(src, f)),
  join(here, 'src', 'web-protocol.ts'),
  join(here, 'tsconfig.frontend.json'),
  join(here, '..', '..', 'libs', 'events', 'dist', 'src', 'display-text.js'),
  fileURLToPath(import.meta.url),
];
const outputs = ['index.html', 'app.js', 'app.css'].map((f) => join(out, f));
const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
const oldest = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
if (oldest > newest && !process.argv.includes('--force')) process.exit(0);

// esbuild does not type-check: tsc does, over the page's own config (DOM, Preact JSX).
const { spawnSync } = await import('node:child_process');
const tsc = spawnSync(process.execPath, [join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.frontend.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('setup: the web view does not type-check (apps/web/tsconfig.frontend.json)\n');
  process.exit(1);
}

const { build } = await import('esbuild');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(src, 'app.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(src, 'app.css'), join(out, 'app.css'));
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
process.stderr.write('setup: built the web view (apps/web/dist/public)\n');
