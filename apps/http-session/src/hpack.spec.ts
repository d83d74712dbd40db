import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError, huffmanCode, huffmanDecode, type HeaderField } from './hpack';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 7541 Appendix C, each block with its expected header list, table (newest first) and table size.
interface Step {
  block: string;
  headers: HeaderField[];
  table: HeaderField[];
  size: number;
}

const REQ1: HeaderField[] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: HeaderField[] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: HeaderField[] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const T1: HeaderField[] = [[':authority', 'www.example.com']];
const T2: HeaderField[] = [['cache-control', 'no-cache'], ...T1];
const T3: HeaderField[] = [['custom-key', 'custom-value'], ...T2];

const requests = (b1: string, b2: string, b3: string): Step[] => [
  { block: b1, headers: REQ1, table: T1, size: 57 },
  { block: b2, headers: REQ2, table: T2, size: 110 },
  { block: b3, headers: REQ3, table: T3, size: 164 },
];

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOC = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RES1: HeaderField[] = [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES2: HeaderField[] = [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES3: HeaderField[] = [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOC], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]];

const responses = (b1: string, b2: string, b3: string): Step[] => [
  { block: b1, headers: RES1, table: [['location', LOC], ['date', DATE1], ['cache-control', 'private'], [':status', '302']], size: 222 },
  { block: b2, headers: RES2, table: [[':status', '307'], ['location', LOC], ['date', DATE1], ['cache-control', 'private']], size: 222 },
  { block: b3, headers: RES3, table: [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]], size: 215 },
];

function runSteps(steps: Step[], initialTableSize?: number): void {
  const d = new HpackDecoder({ initialTableSize });
  for (const s of steps) {
    assert.deepEqual(d.decode(hex(s.block)), s.headers);
    assert.deepEqual(d.table(), s.table);
    assert.equal(d.tableSize, s.size);
  }
}

test('C.2 header field representations', () => {
  const cases: [string, HeaderField, HeaderField[]][] = [
    ['400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', ['custom-key', 'custom-header'], [['custom-key', 'custom-header']]],
    ['040c 2f73 616d 706c 652f 7061 7468', [':path', '/sample/path'], []],
    ['1008 7061 7373 776f 7264 0673 6563 7265 74', ['password', 'secret'], []],
    ['82', [':method', 'GET'], []],
  ];
  for (const [block, field, table] of cases) {
    const d = new HpackDecoder();
    assert.deepEqual(d.decode(hex(block)), [field]);
    assert.deepEqual(d.table(), table);
  }
});

test('C.3 requests without Huffman coding', () => {
  runSteps(
    requests(
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ),
  );
});

test('C.4 requests with Huffman coding', () => {
  runSteps(
    requests(
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ),
  );
});

test('C.5 responses without Huffman coding (table size 256, evictions)', () => {
  runSteps(
    responses(
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ),
    256,
  );
});

test('C.6 responses with Huffman coding (table size 256, evictions)', () => {
  runSteps(
    responses(
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ),
    256,
  );
});

test('Huffman codes match Appendix B at its edges', () => {
  assert.deepEqual(huffmanCode(0), { code: 0x1ff8, bits: 13 });
  assert.deepEqual(huffmanCode(1), { code: 0x7fffd8, bits: 23 });
  assert.deepEqual(huffmanCode(48), { code: 0x0, bits: 5 });
  assert.deepEqual(huffmanCode(32), { code: 0x14, bits: 6 });
  assert.deepEqual(huffmanCode(255), { code: 0x3ffffee, bits: 26 });
  assert.deepEqual(huffmanCode(256), { code: 0x3fffffff, bits: 30 });
});

test('Huffman: every byte value round-trips through a local encoder', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  let acc = 0n;
  let nbits = 0;
  for (const b of all) {
    const { code, bits } = huffmanCode(b);
    acc = (acc << BigInt(bits)) | BigInt(code);
    nbits += bits;
  }
  const pad = (8 - (nbits % 8)) % 8;
  acc = (acc << BigInt(pad)) | ((1n << BigInt(pad)) - 1n);
  const bytes = Buffer.from(acc.toString(16).padStart(((nbits + pad) / 8) * 2, '0'), 'hex');
  assert.deepEqual(huffmanDecode(bytes), all);
});

test('malformed blocks throw HpackError, never anything else', () => {
  const bad = ['80', 'ff', '7f', '41', '418c f1e3', '00 0570 6174 68', '4087 ffff ffff ffff ff 00', 'be', '3fe1 ff ff ff 0f', '82 20'];
  for (const b of bad) {
    assert.throws(() => new HpackDecoder().decode(hex(b)), HpackError, b);
  }
  // EOS inside a string, and padding of zeros.
  assert.throws(() => huffmanDecode(hex('ffffffff')), HpackError);
  assert.throws(() => huffmanDecode(hex('00')), HpackError);
});

test('a size update at the start of a block evicts', () => {
  const d = new HpackDecoder();
  d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.equal(d.table().length, 1);
  d.decode(hex('20 82'));
  assert.equal(d.table().length, 0);
});
