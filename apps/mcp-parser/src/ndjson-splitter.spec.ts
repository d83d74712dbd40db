import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget, DropReason, NdjsonSplitter } from './ndjson-splitter';

function make(maxLine = 1024, budget = new ByteBudget(4096)) {
  const lines: string[] = [];
  const drops: DropReason[] = [];
  const s = new NdjsonSplitter<number>(maxLine, budget, {
    line: (b, meta) => lines.push(`${meta}:${b.toString('utf8')}`),
    drop: (r) => drops.push(r),
  });
  return { s, lines, drops, budget };
}

const b = (t: string) => Buffer.from(t, 'utf8');

describe('NdjsonSplitter', () => {
  test('splits lines across chunks; the meta is the chunk holding the newline', () => {
    const { s, lines, budget } = make();
    s.feed(b('{"a":'), 1);
    s.feed(b('1}\n{"b"'), 2);
    s.feed(b(':2}\n\n  \r\n[1]\r\n'), 3);
    assert.deepEqual(lines, ['2:{"a":1}', '3:{"b":2}', '3:[1]\r']);
    assert.equal(budget.used, 0);
  });

  test('a newline arriving alone keeps the time of the line\'s last byte', () => {
    const { s, lines } = make();
    s.feed(b('{"a":1}'), 7);
    s.feed(b('\n{"b":'), 8);
    s.feed(b('2}'), 9);
    s.feed(b('\r\n'), 10);
    assert.deepEqual(lines, ['7:{"a":1}', '10:{"b":2}\r']);
  });

  test('non-JSON lines are skipped without buffering, the next line is kept', () => {
    const { s, lines, drops, budget } = make();
    s.feed(b('npm WARN something'), 1);
    assert.equal(budget.used, 0, 'nothing buffered for a non-JSON line');
    s.feed(b(' more noise\n{"ok":1}\n'), 2);
    assert.deepEqual(lines, ['2:{"ok":1}']);
    assert.deepEqual(drops, ['non_json_lines']);
  });

  test('a line past maxLineBytes is dropped at once and the stream resyncs at the next newline', () => {
    const { s, lines, drops, budget } = make(10);
    s.feed(b('{"x":"0123'), 1);
    s.feed(b('456789"'), 1);
    assert.deepEqual(drops, ['line_too_long']);
    assert.equal(budget.used, 0);
    s.feed(b('still the same line}\n{"y":2}\n'), 2);
    assert.deepEqual(lines, ['2:{"y":2}']);
  });

  test('a complete line over the bound in one chunk is dropped too', () => {
    const { s, lines, drops } = make(5);
    s.feed(b('{"long":1}\n{}\n'), 1);
    assert.deepEqual(lines, ['1:{}']);
    assert.deepEqual(drops, ['line_too_long']);
  });

  test('the shared budget bounds all splitters together: the oldest partial line is evicted, not the newcomer', () => {
    const budget = new ByteBudget(10);
    const evictions: string[] = [];
    budget.onEvict = (e) => evictions.push(`${e.owner}:${e.bytes}:${e.cause}`);
    const a = make(100, budget);
    const c = make(100, budget);
    a.s.feed(b('{"aaaaa'), 1);
    c.s.feed(b('{"ccccc'), 1);
    assert.deepEqual(a.drops, ['partial_line_evicted']);
    assert.deepEqual(c.drops, []);
    assert.deepEqual(evictions, ['0:7:total']);
    assert.equal(budget.used, 7);
    a.s.feed(b('"}\n{"x":1}\n'), 2);
    c.s.feed(b('"}\n'), 2);
    assert.deepEqual(a.lines, ['2:{"x":1}'], 'the evicted line\'s tail is skipped, the next line is whole');
    assert.deepEqual(c.lines, ['2:{"ccccc"}']);
    assert.equal(budget.used, 0);
  });

  test('a process over its share evicts its own oldest partial line first; other processes keep theirs', () => {
    const budget = new ByteBudget(1000, 20);
    const mk = () => {
      const lines: string[] = [];
      const drops: DropReason[] = [];
      const s = new NdjsonSplitter<number>(100, budget, { line: (x) => lines.push(x.toString()), drop: (r) => drops.push(r) }, (pid) => pid);
      return { s, lines, drops };
    };
    const hog1 = mk();
    const hog2 = mk();
    const other = mk();
    other.s.feed(b('{"other":'), 7);
    hog1.s.feed(b('{"hog1":"' + 'x'.repeat(8)), 66);
    hog2.s.feed(b('{"hog2":"' + 'y'.repeat(8)), 66); // 34 > 20 for pid 66: its oldest (hog1) goes
    assert.deepEqual(hog1.drops, ['partial_line_evicted']);
    assert.deepEqual(other.drops, []);
    assert.equal(budget.ownerUsed(66), 17);
    hog2.s.feed(b('z'.repeat(10)), 66); // alone over its share: its own line is dropped
    assert.deepEqual(hog2.drops, ['process_bytes_exceeded']);
    other.s.feed(b('1}\n'), 7);
    assert.deepEqual(other.lines, ['{"other":1}']);
    assert.equal(budget.used, 0);
  });

  test('releaseOwner: an exited writer\'s partial lines give their bytes back at once, and the stream starts clean', () => {
    const budget = new ByteBudget(1000);
    const lines: string[] = [];
    const drops: DropReason[] = [];
    const s = new NdjsonSplitter<number>(100, budget, { line: (x) => lines.push(x.toString()), drop: (r) => drops.push(r) }, (pid) => pid);
    s.feed(b('{"never":"ends'), 42);
    assert.equal(budget.used, 14);
    assert.equal(budget.releaseOwner(42), 14);
    assert.equal(budget.used, 0);
    assert.equal(s.idle, true);
    s.feed(b('{"next":1}\n'), 43);
    assert.deepEqual(lines, ['{"next":1}']);
    assert.deepEqual(drops, []);
    assert.equal(budget.evicted.exit, 1);
  });

  test('a gap drops the line it falls in, never glues the two sides', () => {
    const { s, lines, drops } = make();
    s.feed(b('{"a":1}\n{"b":'), 1);
    s.gap();
    s.feed(b('2}\n{"c":3}\n'), 2);
    assert.deepEqual(lines, ['1:{"a":1}', '2:{"c":3}']);
    assert.deepEqual(drops, ['gap_lines_dropped']);
  });
});

describe('NdjsonSplitter resync after non-JSON bytes', () => {
  test('a message glued after a log prefix is cut at its first { and flagged; the prefix goes to noise', () => {
    const lines: string[] = [];
    const noise: string[] = [];
    const s = new NdjsonSplitter<number>(1024, new ByteBudget(4096), {
      line: (bytes, _m, resync) => lines.push(`${resync ? 'R' : '-'}${bytes.toString()}`),
      drop: () => undefined,
      noise: (bytes, _m, start) => noise.push(`${start ? '^' : ''}${bytes.toString()}`),
    });
    s.feed(Buffer.from('[INFO] ready '), 1);
    s.feed(Buffer.from('{"a":'), 2);
    s.feed(Buffer.from('1}\nplain log\n{"b":2}\nno brace'), 3);
    s.feed(Buffer.from(' still {"c":3}\n'), 4);
    assert.deepEqual(lines, ['-[INFO] ready {"a":1}', '-{"b":2}', 'R{"c":3}']);
    assert.deepEqual(noise, ['^plain log', '^no brace', ' still ']);
  });
});
