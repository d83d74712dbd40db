import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Subjects } from '@mcpspy/events';
import pino from 'pino';
import { runWarmUp, syntheticMcpMessages, warmBatchCodec, warmUpEnabled } from './warm-up';

describe('warm-up helpers', () => {
  test('MCPSPY_WARMUP: off unless 1/true/on/yes', () => {
    assert.equal(warmUpEnabled({}), false);
    for (const v of ['1', 'true', 'ON', 'yes']) assert.equal(warmUpEnabled({ MCPSPY_WARMUP: v }), true, v);
    for (const v of ['0', 'false', 'OFF', 'no', '']) assert.equal(warmUpEnabled({ MCPSPY_WARMUP: v }), false, v);
  });

  test('synthetic MCP messages are valid mcp.message events, every one through the codec', () => {
    const events = syntheticMcpMessages(1234);
    assert.equal(events.length, 1234);
    const types = new Set(events.map((e) => e.type));
    assert.deepEqual([...types].sort(), ['notification', 'request', 'response']);
    let seen = 0;
    assert.equal(warmBatchCodec(Subjects.mcpMessage, events, 2, () => seen++), 2468, 'every event decoded and valid, twice');
    assert.equal(seen, 2468);
  });

  test('a warm-up that throws is logged and the stage goes on', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    await runWarmUp('x', logger, () => {
      throw new Error('boom');
    });
    assert.match(lines.join(''), /warm-up failed: starting cold/);
    lines.length = 0;
    await runWarmUp('x', logger, async () => undefined);
    assert.match(lines.join(''), /warmed up the hot paths/);
  });
});
