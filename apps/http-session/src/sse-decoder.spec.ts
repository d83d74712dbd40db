import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder, SseEvent } from './sse-decoder';

function decode(parts: (string | Buffer)[], max = 1 << 20): SseEvent[] {
  const out: SseEvent[] = [];
  const d = new SseDecoder((e) => out.push(e), max);
  for (const p of parts) d.push(typeof p === 'string' ? Buffer.from(p) : p);
  return out;
}

describe('SseDecoder', () => {
  test('fields, comments, multi-line data, persistent id, default type', () => {
    const evs = decode(['\ufeffid: 1\nevent: a\ndata: x\ndata:y\n: c\nretry: 5\n\n', 'data\n\ndata: z\n\n']);
    assert.deepEqual(evs, [
      { data: 'x\ny', event: 'a', id: '1', truncated: false },
      { data: '', event: 'message', id: '1', truncated: false },
      { data: 'z', event: 'message', id: '1', truncated: false },
    ]);
  });

  test('CR, LF and CRLF line ends, with a CRLF split across pushes', () => {
    assert.deepEqual(
      decode(['data: a\r', '\ndata: b\r\r', 'data: c\n', '\n']).map((e) => e.data),
      ['a\nb', 'c'],
    );
  });

  test('no data means no dispatch; a trailing event without blank line stays pending', () => {
    const out: SseEvent[] = [];
    const d = new SseDecoder((e) => out.push(e), 1000);
    d.push(Buffer.from('event: x\n\ndata: tail'));
    assert.equal(out.length, 0);
    assert.equal(d.end(), true);
  });

  test('a multi-byte character split between pushes survives', () => {
    const b = Buffer.from('data: ☃é\n\n');
    assert.equal(decode([b.subarray(0, 7), b.subarray(7)])[0].data, '☃é');
  });

  test('an event over the bound is dispatched empty and flagged', () => {
    const evs = decode(['data: ' + 'x'.repeat(100) + '\n', 'data: y\n\ndata: ok\n\n'], 50);
    assert.deepEqual(
      evs.map((e) => [e.data, e.truncated]),
      [
        ['y', true],
        ['ok', false],
      ],
    );
  });
});
