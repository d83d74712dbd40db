#!/usr/bin/env -S node --max-semi-space-size=16
// The mcpspy command. Built by `npm start` / `npm test` (see scripts/setup.sh).
// --max-semi-space-size=16 (also in `npm start`): young-generation semispaces
// of 16 MB (V8's default on 64-bit; 4 was used before) give a message's
// objects time to die young: at 10k messages/s ~8% less CPU and a lower p99
// for ~20-25 MB more resident memory (bench/cpu-ab.mjs, bench/README.md).
// The flag only works on the command line: set from inside, it comes too late.
'use strict';
// The probe's process-ring wake-up (apps/probe/src/ring-wake.ts) blocks one
// libuv worker thread for its lifetime: one more than libuv's default 4, so
// fs and crypto keep theirs. Read by libuv when its pool first starts (later).
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '5';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'apps', 'cli', 'dist', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('mcpspy: not built yet; run `npm start` (or `bash scripts/setup.sh`) in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main();
