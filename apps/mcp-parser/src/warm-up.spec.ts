import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpBatches, warmUpMcpParser } from './warm-up';

describe('mcp-parser warm-up', () => {
  test('its synthetic traffic goes through the real engine: every message is emitted', async () => {
    assert.equal(await warmUpMcpParser(1500), 1500);
  });

  test('its batches are plain Uint8Array views, as the nats client delivers them, with writes and elided reads', () => {
    const batches = warmUpBatches(300);
    assert.ok(batches.length > 1);
    const events = batches.flatMap((b) => b.events);
    assert.equal(events.length, 600, 'one write and one read per message');
    assert.ok(events.every((e) => !Buffer.isBuffer(e.data)));
  });
});
