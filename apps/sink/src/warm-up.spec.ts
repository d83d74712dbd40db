import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Subjects, type McpMessageEvent } from '@mcpspy/events';
import { syntheticMcpMessages, warmBatchCodec } from '@mcpspy/runtime';
import { messageToJsonl } from './jsonl-format';
import { warmUpSink } from './warm-up';

describe('sink warm-up', () => {
  test('makes the JSONL line of every decoded synthetic message, rounds times, and keeps none', () => {
    let once = 0;
    warmBatchCodec(Subjects.mcpMessage, syntheticMcpMessages(200), 1, (m) => (once += messageToJsonl(m as McpMessageEvent).length));
    assert.ok(once > 200 * 100);
    assert.equal(warmUpSink(200, 2), 2 * once);
  });
});
