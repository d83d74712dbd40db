#!/usr/bin/env node
// The mcpspy command. Built by `npm start` / `npm test` (see scripts/setup.sh).
// Node's V8 flags (young-generation semispaces) differ by role: the embedded
// monitor 16 MB, `serve sink` and `serve security` 8 MB, ...; the table is
// apps/cli/src/node-flags.ts. They only work from node's start, so a process
// started without them re-executes itself with them first (same pid); a flag
// of the same name given to node or in NODE_OPTIONS wins.
'use strict';
// The probe's process-ring wake-up (apps/probe/src/ring-wake.ts) blocks one
// libuv worker thread for its lifetime: one more than libuv's default 4, so
// fs and crypto keep theirs. Read by libuv when its pool first starts (later).
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '5';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '..', 'apps', 'cli', 'dist', 'src');
const entry = join(dist, 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('mcpspy: not built yet; run `npm start` (or `bash scripts/setup.sh`) in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
const flags = require(join(dist, 'node-flags.js'));
// Returns only when no re-exec was due or it could not be done.
const applied = flags.applyRoleNodeFlags();
if (process.env.MCPSPY_PRINT_NODE_FLAGS === '1') {
  process.stdout.write(flags.nodeFlagsReport(applied));
  process.exit(0);
}
if (applied.failed) {
  process.stderr.write(`mcpspy: running without node ${applied.missing.join(' ')} (${applied.failed}); give them to node or in NODE_OPTIONS\n`);
}
require(entry).main();
