import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { bodyText, decodeContentEncoding } from './body-codec';

const text = Buffer.from('{"jsonrpc":"2.0","result":"' + 'é'.repeat(500) + '"}');

describe('decodeContentEncoding', () => {
  test('gzip, deflate (zlib and raw), br and stacked codings', () => {
    assert.deepEqual(decodeContentEncoding(zlib.gzipSync(text), 'gzip', 1e6).bytes, text);
    assert.deepEqual(decodeContentEncoding(zlib.deflateSync(text), 'deflate', 1e6).bytes, text);
    assert.deepEqual(decodeContentEncoding(zlib.deflateRawSync(text), 'deflate', 1e6).bytes, text);
    assert.deepEqual(decodeContentEncoding(zlib.brotliCompressSync(text), 'br', 1e6).bytes, text);
    assert.deepEqual(decodeContentEncoding(zlib.brotliCompressSync(zlib.gzipSync(text)), 'gzip, br', 1e6).bytes, text);
  });

  test('a cut gzip stream yields its decodable prefix when partial', () => {
    const gz = zlib.gzipSync(text);
    const out = decodeContentEncoding(gz.subarray(0, gz.length - 30), 'gzip', 1e6, true);
    assert.ok(out.bytes.length > 0 && text.toString().startsWith(out.bytes.toString('latin1').slice(0, 10)) === true);
  });

  test('a bomb stops at the cap; garbage is reported, not thrown', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(5_000_000));
    const r = decodeContentEncoding(bomb, 'gzip', 100_000);
    assert.equal(r.capped, true);
    assert.ok(r.error);
    const g = decodeContentEncoding(Buffer.from('not gzip'), 'gzip', 1e6);
    assert.match(g.error!.message, /^failed to decode gzip body: /);
    assert.deepEqual(g.bytes, Buffer.from('not gzip'));
  });
});

describe('bodyText', () => {
  test('UTF-8 stays text, anything else is base64', () => {
    assert.deepEqual(bodyText(text), { body: text.toString(), encoding: 'utf8' });
    assert.deepEqual(bodyText(Buffer.from([0xff, 0xfe])), { body: '//4=', encoding: 'base64' });
  });
});
