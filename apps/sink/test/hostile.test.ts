/**
 * Issue #17: a hostile exchange (a tool name that erases the line and prints
 * a forged one, an error message with C1 controls and bidi overrides, an HTTP
 * Host header with a CR, forged alert evidence and notices) through the
 * engine: no raw control, bidi or zero-width character in the console or the
 * TUI, none of U+2028/bidi raw in the JSONL, every value still equal when the
 * JSON is parsed, and the names that do not look like their bytes reported.
 */
process.env.TZ = 'UTC';
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { silentLogger } from '@mcpspy/runtime';
import { Ansi } from '../src/console-format';
import { SinkEngine } from '../src/sink-engine';
import { TuiModel } from '../src/tui-model';
import type { SinkOutput } from '../src/outputs/output';
import { FORGED, HOSTILE_ERROR, HOSTILE_HOST, RAW_UNSAFE, hostileExchange } from '../src/testdata/messages';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-hostile-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

async function feed(sink: SinkEngine): Promise<void> {
  const { messages, alerts, notices } = hostileExchange();
  await sink.start();
  sink.onMessage(messages[0]);
  sink.onAlert(alerts[0]);
  sink.onNotice(notices[0]);
  sink.onMessage(messages[1]);
  sink.onMessage(messages[2]);
  await sink.close();
}

const OUR_SGR = new Set<string>(Object.values(Ansi).flatMap((a) => a.match(/\u001b\[[0-9;]*m/g) ?? []));

describe('a hostile exchange through the engine', () => {
  for (const color of [false, true]) {
    test(`console (${color ? 'coloured' : 'plain'}): no raw control byte, no forged line, escapes visible`, async () => {
      const out = capture();
      const sink = new SinkEngine({ logger: silentLogger(), console: true, tui: false, color, stdout: out.stream });
      await feed(sink);
      let text = out.text();
      // Our own colours are the only escape sequences allowed.
      for (const seq of text.match(/\u001b\[[0-9;]*m/g) ?? []) assert.ok(OUR_SGR.has(seq), `foreign escape sequence ${JSON.stringify(seq)}`);
      text = text.replace(/\u001b\[[0-9;]*m/g, '');
      assert.doesNotMatch(text, RAW_UNSAFE, `raw control in:\n${JSON.stringify(text)}`);
      const lines = text.split('\n').filter(Boolean);
      assert.ok(!lines.some((l) => l.startsWith('12:00:00.000')), 'no line an attacker wrote');
      assert.match(text, /REQ tools\/call \(get_weather\\x1b\[2K\\r12:00:00\.000 python\[1\]/);
      assert.match(text, /py\\x1b\[31mthon\[12345\]/);
      assert.match(text, /ERR -32000 denied \\x9b31m\\u202eevil\\u202c\\u2066x\\u2069\\u2028next\\u200b/);
      assert.match(text, /node\[47837\] → evil\.example\\rGET \/ HTTP\/1\.1 REQ/);
      assert.match(text, /summary {2}Injection\\x1b\[1A\\x1b\[2K\\x1b\[2K\\r12:00/);
      assert.match(text, /evidence params\.name\\x1b\[2K \[r\\x85\] "ignore \\x9b2K all\\u202e"/);
      assert.match(text, /⚠ NOTICE stdio_non_jsonrpc evil\\x9b\[12346\] banner \\x1b\]0;owned\\x07 on stdout \[x\\x1b\[2Ky\]/);
      assert.match(text, /⚠ NOTICE name_not_visible py\\x1b\[31mthon\[12345\] params\.name holds control, bidi or invisible characters \(shown escaped\) \[get_weather\\x1b\[2K\\r12:00/);
      assert.equal(sink.counters.get('notices_name_not_visible'), 2, 'the forged tool name and ok\\u200b, once each');
      assert.equal(sink.counters.get('notices_stdio_non_jsonrpc'), 1);
      assert.equal(sink.counters.get('notices_in'), 1);
    });
  }

  test('JSONL: no raw U+2028, bidi or C1 character; every value parses back unchanged', async () => {
    const file = path.join(dir, 'h.jsonl');
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file });
    await feed(sink);
    const text = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(text, RAW_UNSAFE);
    const lines = text.split('\n').filter(Boolean).map((l: string) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(
      lines.map((l) => `${l.type}${l.reason ? `:${l.reason}` : ''}`),
      ['notice:name_not_visible', 'request', 'security_alert', 'notice:stdio_non_jsonrpc', 'error', 'notice:name_not_visible', 'request'],
    );
    assert.equal(lines[1].params.name, `get_weather${FORGED}`);
    assert.equal(lines[4].error.message, HOSTILE_ERROR);
    assert.equal(lines[6].http_transport.host, HOSTILE_HOST);
    assert.equal(JSON.parse(lines[4].raw).error.message, HOSTILE_ERROR, 'the raw text inside the line is intact too');
    assert.deepEqual(Object.keys(lines[3]), ['type', 'timestamp', 'reason', 'stage', 'pid', 'comm', 'stream', 'detail', 'sample', 'count']);
    assert.equal(lines[0].stage, 'sink');
    assert.equal(lines[0].pid, 12345);
  });

  test('TUI: every row, the stats bar and every detail view hold only visible text', async () => {
    const model = new TuiModel();
    model.setSize(160, 40);
    const tuiLike: SinkOutput = {
      name: 'tui-model',
      message: (m) => model.addMessage(m),
      alert: (a) => model.addAlert(a),
      notice: (n) => model.addNotice(n),
      close: () => undefined,
    };
    const withModel = new SinkEngine({ logger: silentLogger(), console: false, tui: false, outputs: [tuiLike] });
    await feed(withModel);
    const table = model.text();
    assert.doesNotMatch(table, RAW_UNSAFE, table);
    assert.match(table, /notices 3/);
    assert.match(table, /NOTE name_not_visible/);
    assert.match(table, /⚠ .*NOTE stdio_non_jsonrpc/);
    assert.ok(!table.split('\n').some((l) => l.startsWith('12:00:00.000')));
    for (let i = 0; i < 7; i++) {
      model.key('', { return: true });
      const detail = model.text();
      assert.doesNotMatch(detail, RAW_UNSAFE, `detail view ${i}:\n${detail}`);
      model.key('', { escape: true });
      model.key('', { upArrow: true });
    }
    for (const row of model.visibleRows()) {
      for (const l of model.detailText(row)) assert.doesNotMatch(l, RAW_UNSAFE, l);
      for (const seg of [row.label, row.from, row.to, row.details, row.transport]) assert.doesNotMatch(seg, RAW_UNSAFE, seg);
    }
    // The type filter reaches the notices.
    for (let i = 0; i < 6; i++) model.key('y');
    assert.match(model.text(), /\[type=NOTE\] 3 shown/);
  });

  test('an added output receives everything, in order, beside the built-in ones', async () => {
    const seen: string[] = [];
    const extra: SinkOutput = {
      name: 'extra',
      start: () => void seen.push('start'),
      message: (m) => void seen.push(`message:${m.type}`),
      alert: () => void seen.push('alert'),
      notice: (n) => void seen.push(`notice:${n.reason}`),
      flush: () => void seen.push('flush'),
      close: () => void seen.push('close'),
      stats: () => ({ things: 3 }),
    };
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, outputs: [extra] });
    await feed(sink);
    assert.deepEqual(seen, [
      'start',
      'notice:name_not_visible',
      'message:request',
      'alert',
      'notice:stdio_non_jsonrpc',
      'message:error',
      'notice:name_not_visible',
      'message:request',
      'close',
    ]);
    assert.equal(sink.counters.get('extra_things'), 3);
  });

  test('an output that throws is counted; the others still get the item', async () => {
    const file = path.join(dir, 'e.jsonl');
    const broken: SinkOutput = {
      name: 'broken',
      message: () => {
        throw new Error('boom');
      },
      alert: () => undefined,
      close: () => undefined,
    };
    const sink = new SinkEngine({ logger: silentLogger(), console: false, tui: false, output: file, outputs: [broken] });
    await feed(sink);
    assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 7);
    assert.equal(sink.counters.get('broken_errors'), 3);
    assert.equal(sink.counters.get('emit_errors'), 3);
  });
});
