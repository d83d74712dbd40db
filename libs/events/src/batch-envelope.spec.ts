import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BatchEncoder, batchSubjectOf, decodeBatchBytes, decodeBatchText, encodeBatchText, isBatchedSubject, subjectOfBatch } from './batch-envelope';
import { DURABLE_SUBJECTS, Subjects } from './subjects';

test('batch subjects: named from the plain subject and back, and kept by JetStream', () => {
  assert.equal(batchSubjectOf(Subjects.mcpMessage), 'mcpspy.v1.batch.mcp.message');
  assert.equal(subjectOfBatch('mcpspy.v1.batch.mcp.message'), Subjects.mcpMessage);
  assert.equal(subjectOfBatch(Subjects.mcpMessage), undefined);
  assert.ok(isBatchedSubject(Subjects.mcpMessage));
  assert.ok(!isBatchedSubject(Subjects.securityAlert));
  assert.ok(DURABLE_SUBJECTS.includes(batchSubjectOf(Subjects.mcpMessage)));
});

test('events whose strings hold newlines, separators and escapes round-trip one per line', () => {
  const events = [
    { text: 'a\nb\r\nc' },
    { text: 'line\u2028sep\u2029para', nul: '\u0000' },
    { nested: { list: [1, '\n', { k: '"}\n{' }] } },
    { emoji: '😀', lone: '\ud800' },
  ];
  const text = encodeBatchText(Subjects.mcpMessage, events.map((e) => JSON.stringify(e)));
  assert.equal(text.split('\n').length, events.length + 1, 'one line per event after the header');
  const d = decodeBatchText(text);
  assert.equal(d.problem, undefined);
  assert.equal(d.count, events.length);
  assert.deepEqual(d.lines.map((l) => (l.ok ? l.value : l.reason)), events.map((e) => JSON.parse(JSON.stringify(e))));
});

test('hostile batches never throw: each line judged alone, the envelope problem reported beside them', () => {
  for (const text of ['', '\n', 'not a header', '{"batch":"x","count":"2"}\n{}', '{"batch":"x","count":1}', '{"batch":"x","count":0}\n\n\n', '[]\n[]\nnull\n1\n"s"']) {
    const d = decodeBatchText(text);
    assert.ok(Array.isArray(d.lines));
    assert.ok(d.lines.every((l) => l.ok === true || typeof l.reason === 'string'));
  }
  const d = decodeBatchText('[]\n[]\nnull\n{}');
  assert.match(d.problem ?? '', /header/);
  assert.deepEqual(d.lines.map((l) => l.ok), [false, false, true]);
  const cut = decodeBatchText('{"batch":"mcpspy.v1.mcp.message","count":3}\n{"a":1}');
  assert.match(cut.problem ?? '', /announced 3 events but holds 1/);
  assert.deepEqual(cut.lines, [{ ok: true, value: { a: 1 }, text: '{"a":1}' }]);
});

test('BatchEncoder writes the bytes of encodeBatchText, grows past its first buffer and starts afresh after a seal', () => {
  const lines = [
    JSON.stringify({ text: 'a\nb', emoji: '😀', lone: '\ud800', cjk: '日本語' }),
    JSON.stringify({ n: 1 }),
    JSON.stringify({ big: 'é'.repeat(5000) }),
  ];
  const enc = new BatchEncoder(Subjects.mcpMessage, 16);
  assert.equal(enc.seal(), undefined);
  const sizes = lines.map((l) => enc.add(l));
  assert.deepEqual(sizes, lines.map((l) => Buffer.byteLength(l, 'utf8')));
  assert.equal(enc.count, 3);
  assert.equal(enc.bytes, sizes.reduce((a, b) => a + b + 1, 0));
  const first = enc.seal()!;
  assert.deepEqual(Buffer.from(first), Buffer.from(encodeBatchText(Subjects.mcpMessage, lines), 'utf8'));
  assert.equal(enc.count, 0);
  enc.add(lines[1]);
  const second = enc.seal()!;
  assert.equal(Buffer.from(second).toString('utf8'), encodeBatchText(Subjects.mcpMessage, [lines[1]]));
  // The first batch is its own copy: the next batch did not overwrite it.
  assert.deepEqual(Buffer.from(first), Buffer.from(encodeBatchText(Subjects.mcpMessage, lines), 'utf8'));
});

test('BatchEncoder: a message bigger than the kept buffer is sealed whole and the next batch starts small again', () => {
  const enc = new BatchEncoder(Subjects.mcpMessage);
  const big = JSON.stringify({ text: 'ü'.repeat(3 * 1024 * 1024) });
  enc.add(JSON.stringify({ n: 1 }));
  enc.add(big);
  const out = enc.seal()!;
  assert.equal(Buffer.from(out).toString('utf8'), encodeBatchText(Subjects.mcpMessage, [JSON.stringify({ n: 1 }), big]));
  enc.add(JSON.stringify({ n: 2 }));
  assert.equal(Buffer.from(enc.seal()!).toString('utf8'), encodeBatchText(Subjects.mcpMessage, [JSON.stringify({ n: 2 })]));
  assert.ok((enc as unknown as { buf: Buffer }).buf.length <= 64 * 1024, 'the grown buffer was let go');
});

/** Bytes that stress decoding: ASCII and newlines, multi-byte characters, lone and cut sequences, invalid bytes. */
const pieces: number[][] = [
  [0x0a], [0x0a], [0x7b, 0x7d], [0x22, 0x61, 0x22], [0x5b, 0x5d], [0x6e, 0x75, 0x6c, 0x6c],
  [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x9f], [0xc3],
  [0x80], [0xbf], [0xff], [0xfe], [0xc0, 0xaf], [0xef, 0xbb, 0xbf], [0x5c], [0x22],
  Array.from(Buffer.from('{"batch":"mcpspy.v1.mcp.message","count":2}')),
  Array.from(Buffer.from('{"type":"request","raw":"x\\u2028y","params":{"q":"ü"}}')),
];

test('decodeBatchBytes answers as decodeBatchText of the TextDecoder text, on any bytes (fast-check)', () => {
  const decoder = new TextDecoder();
  fc.assert(
    fc.property(fc.array(fc.nat(pieces.length - 1), { maxLength: 40 }), fc.boolean(), (picks, asBuffer) => {
      const bytes = Uint8Array.from(picks.flatMap((i) => pieces[i]));
      // The nats client hands a plain Uint8Array; a Buffer view must work too.
      const data = asBuffer ? Buffer.from(bytes) : bytes;
      assert.deepEqual(decodeBatchBytes(data), decodeBatchText(decoder.decode(bytes)), JSON.stringify(Array.from(bytes)));
    }),
    { numRuns: 3000 },
  );
});

test('decodeBatchBytes of an encoded batch gives its events and texts back, a byte order mark dropped as TextDecoder does', () => {
  const lines = [JSON.stringify({ a: 'é', b: [1, 2] }), JSON.stringify({ c: '\u2028 \ud83d\ude00' })];
  const enc = new BatchEncoder(Subjects.mcpMessage);
  for (const l of lines) enc.add(l);
  const sealed = enc.seal()!;
  const d = decodeBatchBytes(sealed);
  assert.equal(d.problem, undefined);
  assert.equal(d.subject, Subjects.mcpMessage);
  assert.deepEqual(d.lines.map((l) => (l.ok ? l.text : l.reason)), lines);
  const withBom = decodeBatchBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...sealed]));
  assert.equal(withBom.problem, undefined);
  assert.equal(withBom.lines.length, 2);
});
