/**
 * HTTP memory budgets that fail safe (issue 18): one process holding huge
 * unfinished bodies cannot starve another process's messages, evictions are
 * counted and reported, and a process's streams are let go when it exits.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NoticeEvent } from '@mcpspy/events';
import { Conn, newEngine, toBatches } from './raw-builder';

const post = (path: string, len: number) => `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;

describe('HTTP memory budgets', () => {
  test('a process holding unfinished bodies on many connections cannot starve another; its exit lets them go', () => {
    const notices: NoticeEvent[] = [];
    const { engine, messages } = newEngine({ maxBodyBytes: 1_000_000, maxStreamBytes: 1_100_000, maxTotalBytes: 1_000_000, maxProcessBytes: 300_000, exitGraceMs: 0, notice: (n) => notices.push(n) });
    // The hog: 8 connections, each 100 KB into a 1 MB body that never ends (800 KB tried; its share is 300 KB).
    for (let i = 0; i < 8; i++) {
      const c = new Conn({ pid: 66, streamId: BigInt(100 + i), comm: 'hog' });
      for (const b of toBatches(c.write(post('/hog', 1_000_000) + 'h'.repeat(100_000)))) engine.onBatch(b);
    }
    assert.ok(engine.bytesHeld() <= 300_000, `the hog holds ${engine.bytesHeld()}`);
    assert.ok(engine.counters.get('budget_evicted') >= 5, `${engine.counters.get('budget_evicted')}`);
    assert.ok(notices.some((n) => n.reason === 'budget_evicted' && n.pid === 66));
    // Another process: a 250 KB request (within its own share), whole.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { data: 'o'.repeat(250_000) } });
    const o = new Conn({ pid: 77, streamId: 5n, comm: 'other' });
    for (const b of toBatches(o.write(post('/mcp', body.length) + body))) engine.onBatch(b);
    const mine = messages.filter((m) => m.pid === 77);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].gap, undefined);
    assert.equal(mine[0].body, body);
    // The hog exits: its streams go at once, not after the idle sweep.
    assert.ok(engine.bytesHeld() > 0);
    engine.onProcExit(66);
    assert.equal(engine.bytesHeld(), 0);
    assert.equal(engine.streamCount(), 1);
  });
});
