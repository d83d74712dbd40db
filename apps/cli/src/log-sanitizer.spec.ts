import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import pretty from 'pino-pretty';
import { safeLogOptions } from './log-sanitizer';

// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;
const HOSTILE = 'tools/call\u001b[2K\r12:00 forged\u009b31m\u202eevil\u200b';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return { stream, text: () => text };
}

test('JSON log lines: message, fields, nested objects and errors carry visible escapes only', () => {
  const out = sink();
  const log = pino({ level: 'info', ...safeLogOptions() }, out.stream);
  const err = new Error(`failed to parse ${HOSTILE}`);
  log.warn({ method: HOSTILE, peer: { comm: 'py\u001bthon', names: [HOSTILE] }, err }, `unknown method ${HOSTILE}`);
  log.info('plain %s', HOSTILE);
  const text = out.text();
  // JSON.stringify would leave C1, bidi and zero-width characters raw, and a viewer prints them.
  assert.doesNotMatch(text, /[\u0080-\u009f\u200b-\u200f\u2028-\u202e]/);
  const [first, second] = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.equal(first.msg, 'unknown method tools/call\\x1b[2K\\r12:00 forged\\x9b31m\\u202eevil\\u200b');
  assert.equal(first.method, 'tools/call\\x1b[2K\\r12:00 forged\\x9b31m\\u202eevil\\u200b');
  assert.equal(first.peer.comm, 'py\\x1bthon');
  assert.match(first.err.message, /failed to parse tools\/call\\x1b\[2K/);
  assert.match(second.msg, /plain tools\/call\\x1b\[2K/);
  assert.equal(err.message, `failed to parse ${HOSTILE}`, 'the thrower keeps its own error');
});

test('pretty log lines on a terminal hold no raw control byte from traffic', () => {
  const out = sink();
  const log = pino({ level: 'info', ...safeLogOptions() }, pretty({ destination: out.stream, sync: true, colorize: false }));
  log.warn({ comm: HOSTILE }, `bad ${HOSTILE}`);
  assert.doesNotMatch(out.text(), RAW_UNSAFE, JSON.stringify(out.text()));
  assert.match(out.text(), /bad tools\/call\\x1b\[2K\\r12:00 forged/);
});
