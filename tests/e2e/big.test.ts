/** One 5 MiB tool result over stdio and over HTTPS, under the embedded monitor (needs root and BPF). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FIXTURES } from './paths';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';
import type { Normalised } from './golden';

after(stopAll);
const skip = monitorSkipReason();

/** The digest the normaliser puts in place of the 5 MiB text: the golden holds the same one. */
async function bigDigest(): Promise<string> {
  // texts.mjs is ESM; a Function-wrapped import keeps tsc's CommonJS output from turning it into require().
  const load = new Function('p', 'return import(p)') as (p: string) => Promise<{ bigText(): string }>;
  const text = (await load(join(FIXTURES, 'texts.mjs'))).bigText();
  return `<sha256:${createHash('sha256').update(text, 'utf8').digest('hex')} chars=${text.length}>`;
}

function assertIntact(got: Normalised, digest: string): void {
  const reply = got.messages.find((m) => m.type === 'response' && m.id === 1) as { result?: { content?: { text?: string }[] } };
  assert.equal(reply?.result?.content?.[0]?.text, digest, 'the 5 MiB text reassembled byte for byte');
}

test(`monitored ${SCENARIOS['big-stdio'].title}`, { skip }, async () => {
  assertIntact(await monitoredScenario('big-stdio'), await bigDigest());
});

test(`monitored ${SCENARIOS['big-https'].title}`, { skip }, async () => {
  assertIntact(await monitoredScenario('big-https'), await bigDigest());
});
