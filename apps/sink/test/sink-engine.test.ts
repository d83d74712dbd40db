/** SinkEngine with real files and streams: JSONL, console, hold-for-verdict, shutdown. */
process.env.TZ = 'UTC';
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { silentLogger } from '@mcpspy/runtime';
import { SinkEngine } from '../src/sink-engine';
import { OutputOpenError } from '../src/errors';
import { alert, burst, httpRequest, stdioNotification, stdioRequest, stdioResponse } from '../src/testdata/messages';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-engine-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readLines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** A non-TTY stdout that records what was written. */
function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('SinkEngine outputs', () => {
  test('console lines and alert blocks on a plain stream, no colour; JSONL beside them', async () => {
    const out = capture();
    const file = path.join(dir, 'o.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: true, tui: false, output: file, stdout: out.stream });
    await sink.start();
    sink.onMessage(stdioRequest({ msg_id: 'i:1' }));
    sink.onAlert(alert());
    sink.onMessage(stdioResponse());
    await sink.close();
    assert.equal(
      out.text(),
      [
        '12:34:56.789 python[12345] → python[12346] REQ tools/call (get_weather) Execute a tool',
        '▲ SECURITY ALERT HIGH prompt_injection score=0.93 detector=rules',
        '  summary  Instruction override in tool arguments',
        '  message  12:34:56.789 REQ tools/call id=7 python[12345] stdio msg=i:1',
        '  evidence params.arguments.city [ignore-previous] "ignore all previous instructions"',
        '12:34:56.890 python[12346] → python[12345] RESP OK tools/call (get_weather)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(readLines(file).map((l) => l.type), ['request', 'security_alert', 'response']);
    assert.equal(sink.counters.get('jsonl_lines'), 3);
  });

  test('console off: nothing on stdout', async () => {
    const out = capture();
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, stdout: out.stream });
    await sink.start();
    sink.onMessage(stdioRequest());
    await sink.close();
    assert.equal(out.text(), '');
  });

  test('bad input is counted, never thrown', async () => {
    const file = path.join(dir, 'bad.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file });
    await sink.start();
    sink.onMessage(null as never);
    sink.onMessage({ timestamp: 'x', transport_type: 'carrier-pigeon', type: 'request' } as never);
    const cyclic = stdioRequest() as unknown as Record<string, unknown>;
    cyclic.params = cyclic;
    sink.onMessage(cyclic as never);
    sink.onAlert({ type: 'security_alert' } as never);
    sink.onVerdict({} as never);
    sink.onMessage(stdioNotification());
    await sink.close();
    assert.equal(sink.counters.get('invalid_messages'), 2);
    assert.equal(sink.counters.get('emit_errors'), 1);
    assert.equal(sink.counters.get('invalid_alerts'), 1);
    assert.equal(sink.counters.get('invalid_verdicts'), 1);
    assert.equal(readLines(file).length, 1);
  });

  test('an unwritable output fails start() with OutputOpenError', async () => {
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: path.join(dir, 'no', 'such', 'dir.jsonl') });
    await assert.rejects(sink.start(), OutputOpenError);
  });

  test('close never loses a line: 50k messages then close, and lines given before start()', async () => {
    const file = path.join(dir, 'burst.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file });
    sink.onMessage(stdioNotification({ method: 'notifications/early' }));
    await sink.start();
    for (const m of burst(50_000)) sink.onMessage(m);
    await sink.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 50_001);
    assert.match(lines[0], /notifications\/early/);
    assert.equal((JSON.parse(lines[50_000]) as { id: number }).id, 49_999);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    sink.onMessage(stdioRequest());
    assert.equal(sink.counters.get('messages_after_close'), 1);
  });
});

describe('SinkEngine hold-for-verdict', () => {
  test('analysed messages wait for their verdict; the file keeps arrival order', async () => {
    const file = path.join(dir, 'v.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file, holdForVerdict: true, verdictTimeoutMs: 10_000 });
    await sink.start();
    sink.onMessage(stdioRequest({ msg_id: 'i:1' }));
    sink.onMessage(stdioNotification({ msg_id: 'i:2' }));
    sink.onMessage(httpRequest({ msg_id: 'i:3' }));
    sink.onMessage(stdioRequest({ msg_id: 'i:4', id: 4 }));
    await sleep(300);
    assert.equal(fs.readFileSync(file, 'utf8'), '', 'held: nothing written yet');
    // i:3 raised one alert: its verdict (announcing it) and the alert settle it; it still waits behind i:1.
    sink.onVerdict({ msg_id: 'i:3', alerts: 1, timestamp: 'x' });
    sink.onAlert(alert({ message: { ...alert().message, msg_id: 'i:3' } }));
    sink.onVerdict({ msg_id: 'i:4', alerts: 0, timestamp: 'x' });
    await sleep(300);
    assert.equal(fs.readFileSync(file, 'utf8'), '', 'i:3 and i:4 are settled but wait behind i:1');
    sink.onVerdict({ msg_id: 'i:1', alerts: 0, timestamp: 'x' });
    await sleep(300);
    assert.deepEqual(
      readLines(file).map((l) => (l.type === 'security_alert' ? 'alert' : l.msg_id)),
      ['i:1', 'i:2', 'i:3', 'alert', 'i:4'],
      'an alert comes right after the message it concerns',
    );
    await sink.close();
    assert.equal(sink.counters.get('verdict_released_by_verdict'), 2);
    assert.equal(sink.counters.get('verdict_released_by_alert'), 1);
  });

  test('a missing verdict times out and the message is written anyway', async () => {
    const file = path.join(dir, 't.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file, holdForVerdict: true, verdictTimeoutMs: 150 });
    await sink.start();
    const t0 = Date.now();
    sink.onMessage(stdioRequest({ msg_id: 'lost' }));
    sink.onMessage(stdioNotification({ msg_id: 'next' }));
    while (fs.readFileSync(file, 'utf8') === '' && Date.now() - t0 < 30_000) await sleep(20);
    const waited = Date.now() - t0;
    // Not before the timeout; the upper bound only catches "never" (a loaded 2-core machine can be seconds late).
    assert.ok(waited >= 150 && waited < 20_000, `written after ${waited} ms`);
    assert.deepEqual(readLines(file).map((l) => l.msg_id), ['lost', 'next']);
    await sink.close();
    assert.equal(sink.counters.get('verdict_timeouts'), 1);
  });

  test('close writes held messages instead of dropping them', async () => {
    const file = path.join(dir, 'c.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file, holdForVerdict: true, verdictTimeoutMs: 60_000 });
    await sink.start();
    for (const m of burst(1000)) sink.onMessage(m);
    await sink.close();
    assert.deepEqual(
      readLines(file).map((l) => l.id),
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });
});

describe('SinkEngine shutdown on SIGINT', () => {
  test('every message handed to the sink before the signal is in the file', async () => {
    const file = path.join(dir, 'sig.jsonl');
    const driver = path.join(__dirname, 'fixtures', 'sigint-driver.js');
    const child = spawn(process.execPath, [driver, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Signal once the burst is well under way (the driver says when it has handed over 20k).
    const t0 = Date.now();
    while (!stdout.includes('going') && Date.now() - t0 < 10_000) await sleep(10);
    assert.ok(stdout.includes('going'), `driver did not start: ${stderr}`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, stderr);
    const handed = Number(/handed (\d+)/.exec(stdout)?.[1]);
    assert.ok(handed >= 20_000, `handed ${handed}`); // the signal may land right after "going" (handed exactly 20,000)
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a whole line');
    assert.equal(lines.length, handed);
    assert.equal((JSON.parse(lines[handed - 1]) as { seq: number }).seq, handed - 1);
  });
});
