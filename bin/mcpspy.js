#!/usr/bin/env -S node --max-semi-space-size=4
// The mcpspy command. Built by `npm start` / `npm test` (see scripts/setup.sh).
// --max-semi-space-size=4 (also in `npm start`): young-generation semispaces of
// 4 MB instead of 16 keep the monitor's resident memory ~40 MB lower at 10k
// messages/s for a few % more CPU (bench/pipeline-stdio.mjs). The flag only
// works on the command line: set from inside, it comes too late.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'apps', 'cli', 'dist', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('mcpspy: not built yet; run `npm start` (or `bash scripts/setup.sh`) in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main();
