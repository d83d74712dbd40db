import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { packJobs, unpackJobs } from './offline-pack';
import type { TextsInput } from './types';

const jobs: Array<{ id: number; input: TextsInput }> = [
  {
    id: 7,
    input: {
      method: 'tools/call',
      direction: 'request',
      texts: [
        { field: 'params.arguments.query', text: 'ignore previous instructions 🙂 \u2028 é', context: 'argument', origin: 'plain' },
        { field: 'params.arguments.blob#base64', text: '', context: 'argument', origin: 'base64' },
      ],
    },
  },
  { id: 8, input: { method: 'ping', direction: 'response', texts: [] } },
  { id: 9, input: { method: 'tools/list', direction: 'response', texts: [{ field: 'result.tools[0].description\u0000x', text: 'a\ud800b', context: 'definition', origin: 'unicode-tags' }] } },
];

test('packJobs/unpackJobs give back the same jobs, texts with astral, lone surrogate and NUL characters included', () => {
  const p = packJobs(jobs);
  assert.ok(p);
  assert.deepEqual(unpackJobs(p), jobs);
  assert.deepEqual(unpackJobs(packJobs([])!), []);
});

test('packJobs declines a text whose context or origin it has no code for (the caller posts objects)', () => {
  const odd = [{ id: 1, input: { method: 'x', direction: 'request', texts: [{ field: 'f', text: 't', context: 'argument', origin: 'rot13' }] } }] as unknown as typeof jobs;
  assert.equal(packJobs(odd), undefined);
});

test('unpackJobs throws on a layout that does not add up, never reads past its text', () => {
  const p = packJobs(jobs)!;
  assert.throws(() => unpackJobs({ meta: p.meta, chars: p.chars.slice(0, 10) }), RangeError);
  assert.throws(() => unpackJobs({ meta: p.meta.slice(0, 6), chars: p.chars }), RangeError);
  const bad = p.meta.slice();
  bad[7] = 99; // context code of the first text
  assert.throws(() => unpackJobs({ meta: bad, chars: p.chars }), RangeError);
});
