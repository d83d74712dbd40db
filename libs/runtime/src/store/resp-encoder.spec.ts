import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'ioredis';
import { RespEncoder } from './resp-encoder';

/** What ioredis itself would write for the command (its text as UTF-8). */
function ioredisBytes(name: string, args: string[]): Buffer {
  const w = new Command(name, args).toWritable(undefined as never);
  return typeof w === 'string' ? Buffer.from(w, 'utf8') : w;
}

function encoded(name: string, args: string[], enc = new RespEncoder(64)): Buffer {
  const e = enc.begin(args.length + 1).bulk(name);
  for (const a of args) e.bulk(a);
  return e.finish();
}

/** A random string of ASCII, 2-, 3- and 4-byte characters, escapes and lone surrogates. */
function randomText(rand: () => number, maxUnits: number): string {
  const pieces = ['a', 'Z', '{', '"', '\\', '\n', '\r', '\0', 'é', 'ß', '€', '中', '\u2028', '\u{1F600}', '\uD800', '\uDFFF', ' '];
  const n = Math.floor(rand() * maxUnits);
  let s = '';
  while (s.length < n) s += pieces[Math.floor(rand() * pieces.length)];
  return s;
}

test('bytes equal what ioredis writes: empty, ASCII, multi-byte, lone surrogates, digit counts that grow', () => {
  const cases: string[][] = [
    ['k', 'f', ''],
    ['mcpspy:mcp:pending-h:stdio:1>2', '7', '1765000000000\n"tools/call"\t"2026-12-07T00:00:00.000Z","params":{}}\nabc:1'],
    // 9 units, 27 bytes (header one digit longer than the unit count's); 99 units of é = 198 bytes; 4-byte pairs.
    ['k', '中'.repeat(9), 'é'.repeat(99), '\u{1F600}'.repeat(5000), 'x'.repeat(100_000)],
    ['k', '\uD800', 'a\uDC00b', '\u2028'],
  ];
  for (const args of cases) assert.deepEqual(encoded('HSET', args), ioredisBytes('HSET', args));
});

test('30,000 random arguments across 300 commands, one encoder reused and grown: every command byte for byte ioredis', () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const enc = new RespEncoder(16);
  for (let c = 0; c < 300; c++) {
    const args = ['mcp:pending-h:stdio:1>2'];
    for (let i = 0; i < 100; i++) args.push(randomText(rand, i % 10 === 0 ? 3000 : 40));
    assert.deepEqual(encoded('HSET', args, enc), ioredisBytes('HSET', args), `command ${c}`);
  }
});
