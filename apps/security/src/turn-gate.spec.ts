import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus, PublishTracker, StageRuntime } from '@mcpspy/runtime';
import { McpMessageEvent } from '@mcpspy/events';
import { SecurityController } from './security.controller';
import { SecurityEngine } from './engine';
import { TurnGate } from './turn-gate';

/**
 * The embedded hand-off between security and the sink, on the real in-process bus with a fake engine whose verdicts
 * resolve in microtasks (as the verdict cache's hits do) and a fake sink that flushes its lines in a setImmediate
 * (as the JSONL writer does embedded). Each poll publishes its messages inside one timer callback, as the probe's drain does.
 */
async function run(order: 'security-first' | 'sink-first', opts: { polls: number; perPoll: number; missEvery?: number }) {
  const judged: string[] = [];
  const engine = {
    async analyze(msg: McpMessageEvent) {
      // A verdict the cache does not hold waits for the offline worker: a later macrotask.
      if (opts.missEvery && Number(msg.msg_id) % opts.missEvery === 0) await new Promise((r) => setTimeout(r, 1));
      judged.push(msg.msg_id as string);
      return [];
    },
  } as unknown as SecurityEngine;
  const out = { emit() {}, drain: () => Promise.resolve() } as unknown as PublishTracker;
  const rt = { embedded: true, config: { securityAsync: true } } as unknown as StageRuntime;
  const ctrl = new SecurityController(engine, out, rt);
  const bus = new InProcessBus();
  const lines: string[] = [];
  // Both in queue groups, as the stages subscribe: the bus then delivers each message in subscription order.
  /** For each flush: how many messages of lines it wrote had been judged before it ran. */
  const judgedAhead: number[] = [];
  let flushQueued = false;
  const sink = async () =>
    bus.subscribe('mcp.message', (p) => {
      lines.push((p as McpMessageEvent).msg_id as string);
      if (flushQueued) return;
      flushQueued = true;
      const from = lines.length - 1;
      setImmediate(() => {
        flushQueued = false;
        const written = new Set(lines.slice(from));
        judgedAhead.push(judged.filter((id) => written.has(id)).length);
      });
    }, { queue: 'sink' });
  const security = async () =>
    bus.subscribe('mcp.message', (p) => ctrl.onMessage(p as McpMessageEvent), { queue: 'security' });
  if (order === 'security-first') await security(), await sink();
  else await sink(), await security();

  let n = 0;
  for (let poll = 0; poll < opts.polls; poll++) {
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < opts.perPoll; i++) void bus.publish('mcp.message', { msg_id: String(n++) });
        resolve();
      }, 2),
    );
    const want = n;
    while (judged.length < want) await new Promise((r) => setTimeout(r, 1));
  }
  await bus.close();
  return { judged, judgedAhead, waits: (ctrl as unknown as { gate: TurnGate }).gate.waits, total: n };
}

describe('security embedded: one yield per turn (TurnGate)', () => {
  for (const order of ['security-first', 'sink-first'] as const) {
    test(`${order}: the sink flushes each poll before any of it is judged, in order, one wait per poll`, { timeout: 30_000 }, async () => {
      const r = await run(order, { polls: 4, perPoll: 50 });
      assert.deepEqual(r.judged, Array.from({ length: r.total }, (_, i) => String(i)), 'judged in publish order');
      assert.deepEqual(r.judgedAhead, [0, 0, 0, 0], "no message judged before its poll's flush");
      assert.equal(r.waits, 4, 'one wait per poll, not per message');
    });
  }

  test('verdicts that wait for a macrotask keep the order, and the poll after them still waits for its flush', { timeout: 30_000 }, async () => {
    const r = await run('security-first', { polls: 3, perPoll: 40, missEvery: 7 });
    assert.deepEqual(r.judged, Array.from({ length: r.total }, (_, i) => String(i)));
    assert.deepEqual(r.judgedAhead, [0, 0, 0]);
  });

  test('pass() is open only within the microtask chain after the opening hop', async () => {
    const g = new TurnGate();
    const w = g.pass();
    assert.ok(w);
    assert.equal(g.pass(), w, 'a second caller before the opening shares the wait');
    await w;
    assert.equal(g.pass(), undefined, 'open in the same microtask chain');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.ok(g.pass(), 'closed again a turn later');
    assert.equal(g.waits, 2);
  });
});
