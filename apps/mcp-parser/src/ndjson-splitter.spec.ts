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

  test('the shared budget bounds all splitters together', () => {
    const budget = new ByteBudget(10);
    const a = make(100, budget);
    const c = make(100, budget);
    a.s.feed(b('{"aaaaa'), 1);
    c.s.feed(b('{"ccccc'), 1);
    assert.deepEqual(c.drops, ['total_bytes_exceeded']);
    assert.equal(budget.used, 7);
    a.s.feed(b('"}\n'), 2);
    assert.deepEqual(a.lines, ['2:{"aaaaa"}']);
    assert.equal(budget.used, 0);
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
