/**
 * The project's shape, checked from the source: no app imports another app,
 * only apps/cli composes stages, libs/events (the contracts) imports nothing
 * of ours and no runtime package, libs/runtime imports no app, and no import
 * reaches into another project by relative path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

/** Contract packages may not pull these in: an outside consumer takes the contracts without the runtime. */
const RUNTIME_PACKAGES = ['@nestjs/', 'nats', 'ioredis', 'pino', 'prom-client', 'nestjs-pino', 'rxjs', 'koffi', 'ink', 'react'];

export interface Import {
  file: string; // relative to the repository
  spec: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'testdata' || name === 'corpus') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) yield full;
  }
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) out.push({ file, spec: m[1] ?? m[2] ?? m[3] });
  return out;
}

/** The project a repository path belongs to: `apps/<x>`, `libs/<x>`, `tests`, `deploy`, `bench`. */
function projectOf(path: string): string {
  const parts = path.split(sep).join('/').split('/');
  return parts[0] === 'apps' || parts[0] === 'libs' ? `${parts[0]}/${parts[1]}` : parts[0];
}

const APPS = readdirSync(join(root, 'apps'));

/** Every rule broken by these imports, as human lines. */
export function violations(imports: Import[]): string[] {
  const bad: string[] = [];
  for (const { file, spec } of imports) {
    const from = projectOf(file);
    const test = /(^|\/)test\//.test(file) || /\.(spec|test)\.tsx?$/.test(file);
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(root, file, '..', spec));
      const to = projectOf(target);
      if (to !== from && !target.startsWith('..')) bad.push(`${file}: relative import ${spec} reaches into ${to}`);
      continue;
    }
    const ours = /^@mcpspy\/([^/]+)/.exec(spec)?.[1];
    if (from === 'libs/events') {
      if (ours && ours !== 'events') bad.push(`${file}: the contracts import @mcpspy/${ours}`);
      if (!test && RUNTIME_PACKAGES.some((p) => spec === p || spec.startsWith(p.endsWith('/') ? p : `${p}/`))) bad.push(`${file}: the contracts import ${spec}`);
    }
    if (!ours) continue;
    if (from === 'libs/runtime' && APPS.includes(ours)) bad.push(`${file}: the runtime imports the app ${ours}`);
    if (from.startsWith('apps/') && from !== 'apps/cli' && APPS.includes(ours) && `apps/${ours}` !== from) {
      bad.push(`${file}: app ${from} imports app ${ours} (only apps/cli composes stages)`);
    }
    if (from === 'deploy' && ours !== 'events') bad.push(`${file}: an outside consumer imports @mcpspy/${ours} (only the contracts)`);
  }
  return bad;
}

function repositoryImports(): Import[] {
  const all: Import[] = [];
  for (const top of ['apps', 'libs', 'deploy']) {
    for (const f of sourceFiles(join(root, top))) {
      const rel = relative(root, f);
      all.push(...importsOf(rel, readFileSync(f, 'utf8')));
    }
  }
  return all;
}

test('the repository keeps its boundaries', () => {
  const imports = repositoryImports();
  assert.ok(imports.length > 300, `read ${imports.length} imports`);
  assert.deepEqual(violations(imports), []);
});

test('the boundary check catches each kind of violation', () => {
  const cases: Array<[Import, RegExp]> = [
    [{ file: 'apps/sink/src/x.ts', spec: '@mcpspy/security' }, /app apps\/sink imports app security/],
    [{ file: 'apps/probe/test/x.ts', spec: '@mcpspy/mcp-parser' }, /imports app mcp-parser/],
    [{ file: 'libs/events/src/x.ts', spec: '@mcpspy/runtime' }, /contracts import @mcpspy\/runtime/],
    [{ file: 'libs/events/src/x.ts', spec: 'nats' }, /contracts import nats/],
    [{ file: 'libs/events/src/x.ts', spec: '@nestjs/core' }, /contracts import @nestjs\/core/],
    [{ file: 'libs/runtime/src/x.ts', spec: '@mcpspy/sink' }, /runtime imports the app sink/],
    [{ file: 'apps/sink/src/x.ts', spec: '../../security/src/engine' }, /reaches into apps\/security/],
    [{ file: 'deploy/examples/c.mjs', spec: '@mcpspy/runtime' }, /outside consumer/],
  ];
  for (const [imp, re] of cases) assert.match(violations([imp]).join('\n'), re, `${imp.file} → ${imp.spec}`);
  // What is allowed stays allowed.
  assert.deepEqual(
    violations([
      { file: 'apps/cli/src/modes.ts', spec: '@mcpspy/sink' },
      { file: 'apps/sink/src/x.ts', spec: '@mcpspy/runtime' },
      { file: 'libs/events/src/x.ts', spec: 'class-validator' },
      { file: 'libs/events/src/x.ts', spec: './subjects' },
    ]),
    [],
  );
  // The import reader sees the forms the code uses.
  assert.deepEqual(
    importsOf('f', "import { a } from 'x';\nimport type { B } from \"y\";\nconst z = require('z');\nawait import('w');\nimport 'reflect-metadata';\nexport { c } from './c';").map((i) => i.spec),
    ['x', 'y', 'z', 'w', 'reflect-metadata', './c'],
  );
});
