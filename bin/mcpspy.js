#!/usr/bin/env node
// The mcpspy command. Built by `npm start` / `npm test` (see scripts/setup.sh).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'apps', 'cli', 'dist', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('mcpspy: not built yet; run `npm start` (or `bash scripts/setup.sh`) in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main();
