import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Counters } from '@mcpspy/runtime';
import { escapeAsciiInto, JsonlWriter } from './jsonl-writer';
import { alertToJsonl, jsonlCut, messageToJsonl, messageToJsonlHead, messageToJsonlText } from './jsonl-format';
import { OutputOpenError } from './errors';
import { alert, httpRequest, httpResponse, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

// tsc does not copy fixtures: read them from the source tree.
const GOLDEN = path.resolve(__dirname, '../../src/testdata/golden.jsonl');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-jsonl-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JSONL lines', () => {
  test('golden file: messages in MCPSpy field order, alerts as security_alert lines', () => {
    const file = path.join(dir, 'out.jsonl');
    const w = new JsonlWriter({ path: file });
    w.open();
    // Field order of the inputs is scrambled on purpose: the output order must not depend on it.
    const scrambled = Object.fromEntries(Object.entries(stdioRequest({ msg_id: 'i:1', seq: 1 })).reverse()) as ReturnType<typeof stdioRequest>;
    w.writeLine(messageToJsonl(stdioNotification()));
    w.writeLine(messageToJsonl(scrambled));
    w.writeLine(alertToJsonl(alert()));
    w.writeLine(messageToJsonl(stdioResponse({ msg_id: 'i:2', seq: 2 })));
    w.writeLine(messageToJsonl(stdioError()));
    w.writeLine(messageToJsonl(httpRequest({ session: 'sess-1' })));
    w.writeLine(messageToJsonl(httpResponse({ session: 'sess-1' })));
    w.close();
    assert.equal(fs.readFileSync(file, 'utf8'), fs.readFileSync(GOLDEN, 'utf8'));
  });

  test('a message without error gets error {} in its place', () => {
    const m = stdioNotification();
    delete (m as Partial<typeof m>).error;
    const keys = Object.keys(JSON.parse(messageToJsonl(m)));
    assert.deepEqual(keys, ['timestamp', 'transport_type', 'stdio_transport', 'type', 'method', 'error', 'raw']);
  });

  test('unknown fields survive, after the known ones', () => {
    const line = messageToJsonl({ extra: 1, ...stdioNotification() } as never);
    assert.ok(line.endsWith(',"extra":1}'), line);
  });
});

describe('JsonlWriter', () => {
  test('creates the file with mode 0600, and tightens an existing 0644 file', () => {
    const a = path.join(dir, 'new.jsonl');
    const w1 = new JsonlWriter({ path: a });
    w1.open();
    w1.close();
    assert.equal(fs.statSync(a).mode & 0o777, 0o600);

    const b = path.join(dir, 'old.jsonl');
    fs.writeFileSync(b, 'old\n', { mode: 0o644 });
    fs.chmodSync(b, 0o644);
    const w2 = new JsonlWriter({ path: b });
    w2.open();
    w2.writeLine('{"a":1}');
    w2.close();
    assert.equal(fs.statSync(b).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(b, 'utf8'), '{"a":1}\n', 'truncated like the seed tool');
  });

  test('append mode keeps what the file held', () => {
    const f = path.join(dir, 'a.jsonl');
    fs.writeFileSync(f, '{"old":1}\n');
    const w = new JsonlWriter({ path: f, append: true });
    w.open();
    w.writeLine('{"new":1}');
    w.close();
    assert.equal(fs.readFileSync(f, 'utf8'), '{"old":1}\n{"new":1}\n');
  });

  test('an unwritable path throws OutputOpenError naming it', () => {
    const w = new JsonlWriter({ path: path.join(dir, 'missing', 'x.jsonl') });
    assert.throws(() => w.open(), (e: unknown) => e instanceof OutputOpenError && /failed to open output .*missing\/x\.jsonl: directory .* does not exist/.test(e.message));
  });

  test('a buffered line reaches the file within a second without close', async () => {
    const f = path.join(dir, 'f.jsonl');
    const w = new JsonlWriter({ path: f });
    w.open();
    const t0 = Date.now();
    w.writeLine('{"n":1}');
    assert.equal(fs.readFileSync(f, 'utf8'), '', 'buffered, not written per line');
    while (fs.readFileSync(f, 'utf8') === '' && Date.now() - t0 < 1500) await sleep(20);
    const waited = Date.now() - t0;
    assert.equal(fs.readFileSync(f, 'utf8'), '{"n":1}\n');
    assert.ok(waited < 1000, `flushed after ${waited} ms`);
    w.close();
  });

  test('rotates by size: FILE → FILE.1 → FILE.2, whole lines only, keeps 5', () => {
    const f = path.join(dir, 'r.jsonl');
    const counters = new Counters();
    const w = new JsonlWriter({ path: f, maxSize: 1000, keep: 5, counters });
    w.open();
    // 100 lines of 100 bytes = 10 files' worth; each file holds 10 whole lines.
    for (let i = 0; i < 100; i++) w.writeLine(JSON.stringify({ n: i, pad: 'x'.repeat(100 - 19 - String(i).length) }));
    w.close();
    const files = fs.readdirSync(dir).sort();
    assert.deepEqual(files, ['r.jsonl', 'r.jsonl.1', 'r.jsonl.2', 'r.jsonl.3', 'r.jsonl.4', 'r.jsonl.5']);
    const numbers = (name: string) =>
      fs
        .readFileSync(path.join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { n: number }).n);
    assert.deepEqual(numbers('r.jsonl'), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    assert.deepEqual(numbers('r.jsonl.1'), [80, 81, 82, 83, 84, 85, 86, 87, 88, 89]);
    assert.deepEqual(numbers('r.jsonl.5').slice(0, 2), [40, 41]);
    for (const name of files) {
      assert.ok(fs.statSync(path.join(dir, name)).size <= 1000, name);
      assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
    }
    assert.equal(counters.get('jsonl_rotations'), 9);
  });

  test('a single line larger than the limit is written whole, alone in its file', () => {
    const f = path.join(dir, 'big.jsonl');
    const w = new JsonlWriter({ path: f, maxSize: 100 });
    w.open();
    w.writeLine('{"a":1}');
    w.writeLine(JSON.stringify({ big: 'y'.repeat(500) }));
    w.writeLine('{"b":2}');
    w.close();
    assert.equal(fs.readFileSync(`${f}.2`, 'utf8'), '{"a":1}\n');
    assert.equal(fs.readFileSync(`${f}.1`, 'utf8').length, 511);
    assert.equal(fs.readFileSync(f, 'utf8'), '{"b":2}\n');
  });

  test('close writes every line: 50k lines, then close, then count', () => {
    const f = path.join(dir, 'many.jsonl');
    const w = new JsonlWriter({ path: f });
    w.open();
    for (let i = 0; i < 50_000; i++) w.writeLine(`{"n":${i}}`);
    w.close();
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 50_000);
    assert.equal(lines[49_999], '{"n":49999}');
    assert.equal(w.stats.lines, 50_000);
    w.writeLine('{"late":1}');
    w.close();
    assert.equal(fs.readFileSync(f, 'utf8').split('\n').length, 50_001, 'nothing written after close');
  });
});

test('close on a FIFO output does not fail on fsync', async () => {
  const { execFileSync } = await import('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsonl-fifo-'));
  const fifo = path.join(dir, 'out.fifo');
  execFileSync('mkfifo', [fifo]);
  // A non-blocking reader opens at once and holds what the writer sends in the pipe buffer.
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    // A FIFO is not a regular file: it takes --output-force.
    const w = new JsonlWriter({ path: fifo, force: true });
    w.open();
    w.writeLine('{"a":1}');
    w.close();
    const buf = Buffer.alloc(64);
    const n = fs.readSync(reader, buf, 0, 64, null);
    assert.equal(buf.subarray(0, n).toString(), '{"a":1}\n');
  } finally {
    fs.closeSync(reader);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Files written as root in a directory other users write to (/tmp): what an unprivileged user plants there.
describe('JsonlWriter against planted files (as root)', { skip: process.geteuid?.() !== 0 ? 'needs root (chown to uid 65534)' : false }, () => {
  test('a symlink at FILE is refused and its target untouched; --output-force follows it', () => {
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, 'precious\n', { mode: 0o644 });
    const f = path.join(dir, 'out.jsonl');
    fs.symlinkSync(target, f);
    assert.throws(() => new JsonlWriter({ path: f }).open(), (e: unknown) => e instanceof OutputOpenError && /symlink/.test(e.message));
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
    assert.equal(fs.statSync(target).mode & 0o777, 0o644, 'mode of the target unchanged');
    const w = new JsonlWriter({ path: f, force: true });
    w.open();
    w.writeLine('{"a":1}');
    w.close();
    assert.equal(fs.readFileSync(target, 'utf8'), '{"a":1}\n');
  });

  test('a dangling symlink at FILE is refused: nothing is created at its target', () => {
    const target = path.join(dir, 'would-be-created');
    const f = path.join(dir, 'out.jsonl');
    fs.symlinkSync(target, f);
    assert.throws(() => new JsonlWriter({ path: f }).open(), OutputOpenError);
    assert.equal(fs.existsSync(target), false);
  });

  test("a file another user created first is refused (it keeps its owner and content)", () => {
    const f = path.join(dir, 'out.jsonl');
    fs.writeFileSync(f, 'theirs\n', { mode: 0o666 });
    fs.chownSync(f, 65534, 65534);
    assert.throws(() => new JsonlWriter({ path: f }).open(), (e: unknown) => e instanceof OutputOpenError && /belongs to uid 65534/.test(e.message));
    assert.equal(fs.readFileSync(f, 'utf8'), 'theirs\n');
  });

  test('a hard link to another file is refused', () => {
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, 'precious\n');
    const f = path.join(dir, 'out.jsonl');
    fs.linkSync(target, f);
    assert.throws(() => new JsonlWriter({ path: f }).open(), /hard links/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
  });

  test('-o /dev/null needs --output-force, and is never chmod-ed', () => {
    const before = fs.statSync('/dev/null').mode & 0o777;
    assert.throws(() => new JsonlWriter({ path: '/dev/null' }).open(), /character device: pass --output-force/);
    const w = new JsonlWriter({ path: '/dev/null', force: true, maxSize: 10 });
    w.open();
    for (let i = 0; i < 10; i++) w.writeLine('{"a":1}');
    w.close();
    assert.equal(fs.statSync('/dev/null').mode & 0o777, before);
    assert.equal(before, 0o666);
  });

  test('a FIFO with no reader is refused at once instead of blocking start-up', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    assert.throws(() => new JsonlWriter({ path: fifo, force: true }).open(), /FIFO with no reader: start the reader first/);
    assert.ok(Date.now() - t0 < 2000);
  });

  test('rotation: a symlink planted at FILE between the rename and the reopen is not followed', () => {
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, 'precious\n');
    const f = path.join(dir, 'r.jsonl');
    const counters = new Counters();
    const w = new JsonlWriter({ path: f, maxSize: 100, counters });
    w.open();
    // Rotation renames FILE → FILE.1 and then opens FILE anew. Plant the link in that gap by
    // renaming through the same API the writer uses: the writer must find FILE taken, refuse it,
    // and keep writing into the file it holds.
    // The module object itself: `import * as fs` gives read-only bindings.
    const nodeFs = require('node:fs') as { renameSync: typeof fs.renameSync };
    const realRename = nodeFs.renameSync;
    nodeFs.renameSync = (a, b) => {
      realRename(a, b);
      if (a === f) fs.symlinkSync(target, f);
    };
    try {
      for (let i = 0; i < 6; i++) w.writeLine(JSON.stringify({ n: i, pad: 'x'.repeat(40) }));
      w.flush();
    } finally {
      nodeFs.renameSync = realRename;
    }
    w.close();
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n', 'nothing written through the link');
    assert.ok(counters.get('jsonl_write_errors') >= 1, 'the refused reopen is counted');
    // Later rotations move the held file on (FILE.1 → FILE.2) and the link with it; no line is lost.
    const held = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith('r.jsonl') && fs.lstatSync(path.join(dir, n)).isFile())
      .flatMap((n) => fs.readFileSync(path.join(dir, n), 'utf8').split('\n').filter(Boolean));
    assert.equal(held.length, 6, 'every line kept in the files the writer held');
    assert.equal(fs.lstatSync(f).isSymbolicLink(), true);
  });

  test('rotation: symlinks planted at FILE.1..FILE.n are replaced, not written through', () => {
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, 'precious\n', { mode: 0o644 });
    const f = path.join(dir, 'r.jsonl');
    for (let i = 1; i <= 3; i++) fs.symlinkSync(target, `${f}.${i}`);
    const w = new JsonlWriter({ path: f, maxSize: 100, keep: 3 });
    w.open();
    for (let i = 0; i < 20; i++) w.writeLine(JSON.stringify({ n: i, pad: 'x'.repeat(40) }));
    w.close();
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
    assert.equal(fs.statSync(target).mode & 0o777, 0o644);
    for (const name of ['r.jsonl', 'r.jsonl.1', 'r.jsonl.2']) {
      const st = fs.lstatSync(path.join(dir, name));
      assert.ok(st.isFile(), name);
      assert.equal(st.mode & 0o777, 0o600, name);
    }
  });
});

/** Two writers with the same options, on a.jsonl and b.jsonl in the test folder, both open. */
function openPair(opts: Omit<ConstructorParameters<typeof JsonlWriter>[0], 'path'>): { a: string; b: string; wa: JsonlWriter; wb: JsonlWriter } {
  const a = path.join(dir, 'a.jsonl');
  const b = path.join(dir, 'b.jsonl');
  const wa = new JsonlWriter({ path: a, ...opts });
  const wb = new JsonlWriter({ path: b, ...opts });
  wa.open();
  wb.open();
  return { a, b, wa, wb };
}

/** File b (written by `wb`) holds the bytes of file a, which has exactly n lines. */
function assertSameLines(a: string, b: string, wb: JsonlWriter, n: number): void {
  const expected = fs.readFileSync(a);
  assert.equal(expected.toString('utf8').split('\n').length, n + 1);
  assert.ok(fs.readFileSync(b).equals(expected));
  assert.equal(wb.stats.lines, n);
}

describe('writeJsonText: the line checked after encoding', () => {
  const hostile = [
    'plain ASCII "quoted" \\ backslash', 'ctl \u0000\u001f', 'DEL \u007f', 'line sep \u2028 para sep \u2029', 'bidi \u202e tag \udb40\udc41',
    'nel \u0085 and é and 😀', 'lone \ud800 and \udc00', '\u2028'.repeat(30_000), 'é'.repeat(40_000), '"'.repeat(70_000), '',
  ];
  const messages = () =>
    hostile.flatMap((h) => [stdioRequest({ raw: h }), stdioResponse({ method: h, description: h }), { ...stdioNotification(), extra: h, '7': h }] as ReturnType<typeof stdioRequest>[]);

  for (const [name, opts] of [
    ['one reused buffer', {}],
    ['small buffer, flushed often', { highWaterMark: 64 }],
    ['rotation (lines kept as strings)', { maxSize: 10_000_000 }],
  ] as const) {
    test(`${name}: the bytes of writeLine(messageToJsonl(m)) for hostile texts`, () => {
      const { a, b, wa, wb } = openPair(opts);
      let n = 0;
      for (const m of messages()) {
        wa.writeLine(messageToJsonl(m));
        wb.writeJsonText(messageToJsonlText(m));
        n++;
      }
      wa.close();
      wb.close();
      assertSameLines(a, b, wb, n);
    });
  }
});

describe('writeJsonWithRaw: raw escaped from the bytes it was decoded from', () => {
  test('escapeAsciiInto is JSON.stringify for every printable ASCII byte and refuses every other byte', () => {
    const out = Buffer.alloc(16);
    for (let b = 0; b < 256; b++) {
      const n = escapeAsciiInto(Uint8Array.of(0x61, b, 0x62), out, 1);
      if (b >= 0x20 && b < 0x7f) {
        assert.equal(out.toString('latin1', 1, n), JSON.stringify(`a${String.fromCharCode(b)}b`).slice(1, -1), `byte ${b}`);
      } else assert.equal(n, -1, `byte ${b}`);
    }
  });

  // Raw texts as the parser has them: decoded from their bytes (invalid UTF-8 included, as U+FFFD).
  const rawBytes = [
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a \\"quoted\\" \\\\ name"}}',
    'plain ASCII "quoted" \\ backslash /slash', 'ctl \u0000\u001f\t\r', 'DEL \u007f', 'line sep \u2028 para sep \u2029', 'bidi \u202e tag \udb40\udc41',
    'nel \u0085 and é and 😀', '"'.repeat(70_000), '\\'.repeat(40_000), '', '~ and space ', 'x'.repeat(300_000),
  ].map((t) => Buffer.from(t, 'utf8'));
  rawBytes.push(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0x22, 0xc3]), Buffer.from([0x80]));
  // Random printable ASCII with many quotes and backslashes, and random bytes of every value.
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let k = 0; k < 200; k++) {
    const len = rnd(400);
    const ascii = Buffer.alloc(len);
    for (let i = 0; i < len; i++) ascii[i] = [0x22, 0x5c, 0x20 + rnd(95)][rnd(3)];
    rawBytes.push(ascii);
    const any = Buffer.alloc(rnd(40));
    for (let i = 0; i < any.length; i++) any[i] = rnd(256);
    rawBytes.push(any);
  }
  const messages = (): Array<{ m: ReturnType<typeof stdioRequest>; bytes: Buffer }> =>
    rawBytes.flatMap((bytes) => {
      const raw = bytes.toString('utf8');
      return [
        { m: stdioRequest({ raw }), bytes },
        { m: stdioResponse({ raw, method: 'é \u2028 method', description: 'DEL \u007f' }), bytes },
        { m: { ...stdioNotification({ raw }), extra: 'bidi \u202e' } as ReturnType<typeof stdioRequest>, bytes },
        { m: { ...stdioNotification({ raw }), '7': 'index key' } as ReturnType<typeof stdioRequest>, bytes },
      ];
    });

  for (const [name, opts] of [
    ['one reused buffer', {}],
    ['small buffer, flushed often', { highWaterMark: 64 }],
    ['rotation (lines kept as strings)', { maxSize: 10_000_000 }],
  ] as const) {
    test(`${name}: the bytes of writeLine(messageToJsonl(m)), lines escaped from bytes and from text mixed`, () => {
      const { a, b, wa, wb } = openPair(opts);
      let n = 0;
      let cut = 0;
      for (const { m, bytes } of messages()) {
        wa.writeLine(messageToJsonl(m));
        const head = messageToJsonlHead(m);
        const tail = jsonlCut.tail;
        if (tail === undefined) wb.writeJsonText(head);
        else {
          wb.writeJsonWithRaw(head, m.raw, bytes, tail);
          cut++;
        }
        // Now and then a line written the old way in between.
        if (n % 7 === 0) {
          wa.writeLine(messageToJsonl(m));
          wb.writeJsonText(messageToJsonlText(m));
          n++;
        }
        n++;
      }
      wa.close();
      wb.close();
      assertSameLines(a, b, wb, n);
      assert.ok(cut > 400, `lines cut: ${cut}`);
    });
  }
});
