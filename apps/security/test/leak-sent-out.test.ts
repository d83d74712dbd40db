/**
 * Round 15c: a call whose arguments hold a leak the secrets check flags and that carries data out is exfiltration
 * (verdict.ts, leakSentOut). Real engine, offline detectors on this thread; texts are our own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityAlertEvent } from '@mcpspy/events';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { SecurityEngine } from '../src';
import { toolCall } from '../src/test-builders';

async function categories(args: Record<string, unknown>, tool: string): Promise<string[]> {
  return (await alerts(args, tool)).map((a) => a.category);
}
async function alerts(args: Record<string, unknown>, tool: string): Promise<SecurityAlertEvent[]> {
  const store = new MemoryStore();
  const engine = new SecurityEngine({ store, logger: silentLogger(), threshold: 0.5, offlineWorker: false });
  await engine.init();
  try {
    return await engine.analyze(toolCall(args, tool));
  } finally {
    await engine.close();
    await store.close();
  }
}

describe('round 15c: a leak sent out by an outward call is exfiltration', () => {
  test('card numbers to a chat channel, keys in a public gist, a password to an external attendee', async () => {
    assert.ok((await categories({ channel: 'C0PARTNERS', text: 'guest cards for the vendor: 4539 1488 0343 6467 exp 09/28 cvv 311' }, 'slack_post_message')).includes('exfiltration'));
    const gist = await alerts({ public: true, files: { 'notes.txt': { content: 'STRIPE_KEY=sk_live_51Hq8Lw2eZvKYlo2C7d0xQm4R' } } }, 'create_gist');
    assert.ok(gist.some((a) => a.category === 'exfiltration'));
    // The leaking field is its own destination here: its evidence is redacted.
    const ev = gist.flatMap((a) => a.evidence).find((e) => e.rule === 'leak_sent_out');
    assert.ok(ev && !ev.text.includes('sk_live_51Hq8Lw2eZvKYlo2C7d0xQm4R'), JSON.stringify(ev));
    assert.ok((await categories({ attendees: ['sync@partner-mail.example'], description: 'vpn login ops01 / Tq8$wE3nB!x' }, 'calendar_create_event')).includes('exfiltration'));
  });
  test('a key in its own auth field, a leak written to a local file and an address alone are not', async () => {
    // (A key in an auth header next to a URL is judged by the older cross-field rule, which this change leaves as it was.)
    assert.ok(!(await categories({ channel: 'C0OPSDEPLOY', api_key: 'sk_live_51Hq8Lw2eZvKYlo2C7d0xQm4R', text: 'deploy 4127 finished' }, 'notify_channel')).includes('exfiltration'));
    assert.ok(!(await categories({ path: '/srv/app/.env.local', content: 'DB_PASSWORD=Qu1et-Harbor!77' }, 'write_file')).includes('exfiltration'));
    assert.ok(!(await categories({ to: 'ops@partner-mail.example', body: 'The rota for next week is attached.' }, 'send_email')).includes('exfiltration'));
  });
});
