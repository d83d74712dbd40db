/**
 * Issue #17 through the real entry point: `node bin/mcpspy.js -o FILE
 * --tui=false` (root, real BPF) watches hostile peers (fixtures/hostile-peers.mjs):
 * a stdio tool name whose ESC sequences would erase the line and print a
 * forged one, an error.message with C1 controls and bidi overrides, an HTTP
 * Host header with a CR. The console lines hold no raw control, bidi or
 * zero-width character and no forged line; the JSONL holds no raw U+2028,
 * bidi or C1 character and parses back to the exact values; the names that
 * do not look like their bytes are reported once as `name_not_visible`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Monitor, monitorSkipReason } from './harness';
import { FIXTURES } from './paths';
import { runProcess, stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();

const FORGED = '\u001b[2K\r12:00:00.000 python[1] → python[2] RESP OK tools/call (safe)';
const TOOL_NAME = `get_weather${FORGED}`;
const ERROR_MESSAGE = 'denied \u009b31m\u202eevil\u202c\u2066x\u2069\u2028next\u200b';
const HOST = 'evil.example\rX-Forged: 1';
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

test('hostile peers under the monitor: console and JSONL hold no raw control byte', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-hostile-'));
  try {
    const output = join(dir, 'out.jsonl');
    const monitor = await Monitor.start({ output, comms: ['mcpe2e-hostc', 'mcpe2e-hosts', 'mcpe2e-hosth'] });
    try {
      const peers = join(FIXTURES, 'hostile-peers.mjs');
      for (const mode of ['stdio-client', 'http']) {
        const r = await runProcess(`hostile ${mode}`, process.execPath, [peers, mode], { timeoutMs: 30_000 });
        assert.match(r.stdout, /done/, `${mode}: ${r.stderr}`);
      }
      await monitor.waitQuiet(8);
    } catch (e) {
      await monitor.proc.stop('SIGKILL');
      throw e;
    }
    await monitor.stop();

    const consoleText = monitor.proc.stdout();
    assert.doesNotMatch(consoleText, RAW_UNSAFE, `console:\n${JSON.stringify(consoleText)}`);
    const consoleLines = consoleText.split('\n');
    assert.ok(!consoleLines.some((l) => l.startsWith('12:00:00.000')), 'the forged line is not on the console');
    assert.match(consoleText, /REQ tools\/call \(get_weather\\x1b\[2K\\r12:00:00\.000 python\[1\]/);
    assert.match(consoleText, /ERR -32000 denied \\x9b31m\\u202eevil\\u202c\\u2066x\\u2069\\u2028next\\u200b/);
    assert.match(consoleText, /→ evil\.example\\rX-Forged: 1 REQ tools\/call \(ok\\u200b\)/);
    assert.match(consoleText, /⚠ NOTICE name_not_visible mcpe2e-hostc\[\d+\] params\.name/);

    const text = readFileSync(output, 'utf8');
    assert.doesNotMatch(text, RAW_UNSAFE, 'JSONL: U+2028, bidi, C1 and zero-width characters are written as \\uXXXX');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    const call = lines.find((l) => l.type === 'request' && l.method === 'tools/call' && l.transport_type === 'stdio');
    assert.equal(call?.params.name, TOOL_NAME, 'the tool name parses back to its exact bytes');
    const err = lines.find((l) => l.type === 'error' || (l.type === 'response' && l.error?.code === -32000));
    assert.equal(err?.error.message, ERROR_MESSAGE);
    assert.equal(JSON.parse(err?.raw).error.message, ERROR_MESSAGE, 'the raw text inside the line is intact');
    const http = lines.find((l) => l.transport_type === 'http' && l.http_transport?.is_request);
    assert.equal(http?.http_transport.host, HOST);
    const notices = lines.filter((l) => l.type === 'notice' && l.reason === 'name_not_visible');
    assert.deepEqual(notices.map((n) => n.sample).sort(), ['get_weather\\x1b[2K\\r12:00:00.000 python[1] → python[2] RESP OK tools/call (safe)', 'ok\\u200b'].sort(), 'once per name');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
