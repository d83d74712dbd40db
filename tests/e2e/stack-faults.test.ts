/**
 * Faults in the distributed stack (issue 8), and security workers sharing a
 * queue group (issue 7): real nats-server (JetStream) and redis-server, each
 * stage its own `mcpspy serve` process, and a steady stream of real MCP
 * traffic (SDK client and server over stdio, one tools/call every 20 ms) so
 * each fault lands mid-run. Needs root and BPF; MCPSPY_E2E_STACK=0 turns it off.
 *
 * Whether the distributed sink writes the same JSONL as the embedded monitor
 * is stack.test.ts's job: both modes are compared with the same goldens.
 */
import { test, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { monitorSkipReason } from './harness';
import { Stack } from './stack';
import { stackSkipReason } from './stack';
import { stopAll } from './proc';
import { scratchDir } from './tmp';
import {
  accountStream,
  ranges,
  readLines,
  scrapeCounter,
  startStream,
  streamComms,
  STREAM_INJECTION,
  streamLines,
  type StreamAccount,
} from './stream';

after(stopAll);
const skip = stackSkipReason(monitorSkipReason());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NatsBus's default ack wait: a message delivered to a killed consumer comes back after it. */
const ACK_WAIT_MS = 10_000;
const REDIS_DOWN_MS = 3_000;
/** Messages a killed sink may have written but not acknowledged (see the sink test). */
const MAX_REDELIVERED = 20;

function figures(t: TestContext, what: string, a: StreamAccount, extra: Record<string, unknown> = {}): void {
  t.diagnostic(
    `${what}: requests=${a.requests.size} responses=${a.responses.size} ` +
      `missing requests=${ranges(a.missingRequests)} missing responses=${ranges(a.missingResponses)} ` +
      `duplicates=${a.duplicates} duplicate msg_ids=${a.duplicateMsgIds} unpaired=${a.unpaired.length} alerts=${a.alerts.length} ` +
      Object.entries(extra)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' '),
  );
}

function assertComplete(a: StreamAccount, torn: string[]): void {
  assert.deepEqual(torn, [], 'every JSONL line is whole JSON');
  assert.equal(ranges(a.missingRequests), 'none', 'every request the client made is in the JSONL');
  assert.equal(ranges(a.missingResponses), 'none', 'every response the client got is in the JSONL');
  assert.deepEqual(a.other, [], 'nothing but the stream and its alerts');
}

// Losses here mean the sink acknowledged messages it had not yet written:
// NatsBus acks as soon as the handler returns, and a line waits up to 200 ms
// in JsonlWriter's buffer before write(2). SIGKILL throws that buffer away.
test('distributed: the sink SIGKILLed and restarted mid-run loses no message', { skip }, async (t) => {
  const COUNT = 500;
  const tmp = scratchDir('faults-sink');
  t.after(() => tmp.remove());
  const output = join(tmp.dir, 'out.jsonl');
  const comms = streamComms();
  const t0 = Date.now();
  const stack = await Stack.start({ dir: tmp.dir, output, comms });
  const startMs = Date.now() - t0;
  let killedAfter = 0;
  let downMs = 0;
  try {
    const stream = startStream({ count: COUNT, durationMs: 10_000, comms });
    await stream.waitSent(150);
    const killedAt = Date.now();
    killedAfter = stream.sentSoFar();
    assert.equal(await stack.killStage('sink', 'SIGKILL'), 137, 'the sink died of SIGKILL');
    await sleep(1_000);
    await stack.restartStage('sink');
    downMs = Date.now() - killedAt;
    await stream.done();
    // What the dead sink had been handed but not acknowledged returns only after the ack wait.
    await sleep(Math.max(0, killedAt + ACK_WAIT_MS + 1_500 - Date.now()));
    await stack.waitQuiet(streamLines(COUNT), 2_000, 8_000);
    assert.deepEqual(stack.exited(), [], 'every stage process is still running');
  } finally {
    await stack.stop();
  }
  const { lines, torn } = readLines(output);
  const a = accountStream(lines, COUNT);
  figures(t, 'sink kill', a, { lines: lines.length, expected: streamLines(COUNT), killed_after_call: killedAfter, sink_down_ms: downMs, stack_start_ms: startMs, run_ms: Date.now() - t0 });
  assertComplete(a, torn);
  assert.equal(a.unpaired.length, 0, `every response carries its request; unpaired: ${ranges(a.unpaired)}`);
  // At-least-once: a line written but not yet acknowledged when the sink died
  // comes back after the ack wait. Only the last few handled before the kill
  // can be in that state, never a whole pulled batch.
  assert.ok(a.duplicates <= MAX_REDELIVERED, `at most ${MAX_REDELIVERED} messages written twice; got ${a.duplicates}`);
  assert.equal(lines.length, streamLines(COUNT) + a.duplicates);
});

test('distributed: Redis killed and restarted mid-run; pairing resumes, no stage dies, no message lost', { skip }, async (t) => {
  const COUNT = 500;
  const tmp = scratchDir('faults-redis');
  t.after(() => tmp.remove());
  const output = join(tmp.dir, 'out.jsonl');
  const comms = streamComms();
  const t0 = Date.now();
  const stack = await Stack.start({ dir: tmp.dir, output, comms, security: true });
  let backAfter = 0;
  let killedAfter = 0;
  let parserLog = '';
  try {
    const stream = startStream({ count: COUNT, durationMs: 10_000, comms });
    await stream.waitSent(150);
    killedAfter = stream.sentSoFar();
    // Longer than mcp-parser's 2 s Store deadline: calls in the gap may lose their pairing; later ones must not.
    await stack.restartRedis(REDIS_DOWN_MS);
    backAfter = stream.sentSoFar();
    await stream.done();
    await stack.waitQuiet(streamLines(COUNT), 2_000, 20_000);
    assert.deepEqual(stack.exited(), [], 'every stage process is still running');
    parserLog = stack.stages.get('mcp-parser')?.stderr() ?? '';
  } finally {
    await stack.stop();
  }
  const { lines, torn } = readLines(output);
  const a = accountStream(lines, COUNT);
  assert.match(parserLog, /Redis connection problem/, 'mcp-parser saw Redis go away (the fault really hit a connected stage)');
  // The client reports progress every 50 calls: everything from the next mark
  // on was both sent and answered after Redis was back.
  const firstAfter = backAfter + 51;
  const unpairedAfter = a.unpaired.filter((id) => id >= firstAfter);
  figures(t, 'redis restart', a, {
    lines: lines.length,
    redis_killed_after_call: killedAfter,
    redis_back_after_call: backAfter,
    redis_down_ms: REDIS_DOWN_MS,
    unpaired_ids: ranges(a.unpaired),
    run_ms: Date.now() - t0,
  });
  assertComplete(a, torn);
  assert.equal(a.duplicates, 0, 'no message written twice');
  assert.ok(firstAfter <= COUNT - 100, `at least 100 calls after Redis came back (back after call ${backAfter})`);
  assert.deepEqual(unpairedAfter, [], `responses after the restart (ids ≥ ${firstAfter}) carry their request`);
  // Calls well before the kill were paired already (the pipeline lags the client by well under 50 calls).
  const unpairedBefore = a.unpaired.filter((id) => id <= killedAfter - 50);
  assert.deepEqual(unpairedBefore, [], 'responses before the outage carry their request');
  assert.equal(a.alerts.length, 0, 'benign echo traffic raises no alert');
});

test('distributed: two security processes share the queue group, each message judged once', { skip }, async (t) => {
  const COUNT = 300;
  const tmp = scratchDir('faults-security');
  t.after(() => tmp.remove());
  const output = join(tmp.dir, 'out.jsonl');
  const comms = streamComms();
  const t0 = Date.now();
  const stack = await Stack.start({ dir: tmp.dir, output, comms, security: true, securityInstances: 2, metrics: true });
  const judged: number[] = [];
  const alerted: number[] = [];
  try {
    const stream = startStream({ count: COUNT, durationMs: 6_000, comms, inject: true });
    await stream.done();
    // Every call's request and response raises one alert.
    await stack.waitQuiet(streamLines(COUNT) + 2 * COUNT, 2_000, 20_000);
    assert.deepEqual(stack.exited(), [], 'every stage process is still running');
    for (const sp of stack.procsOf('security')) {
      judged.push(await scrapeCounter(stack.metricsUrl(sp), 'security', 'messages'));
      alerted.push(await scrapeCounter(stack.metricsUrl(sp), 'security', 'alerts'));
    }
  } finally {
    await stack.stop();
  }
  const { lines, torn } = readLines(output);
  const a = accountStream(lines, COUNT);
  const perMessage = new Map<string, number>();
  for (const al of a.alerts) {
    const m = al.message as { id?: unknown; type?: unknown };
    const key = `${String(m.type)}:${String(m.id)}`;
    perMessage.set(key, (perMessage.get(key) ?? 0) + 1);
  }
  const twice = [...perMessage].filter(([, n]) => n > 1).map(([k]) => k);
  figures(t, 'two security workers', a, { judged: judged.join('+'), alerted: alerted.join('+'), run_ms: Date.now() - t0 });
  assertComplete(a, torn);
  assert.equal(a.duplicates, 0, 'no message written twice');
  assert.deepEqual(twice.slice(0, 10), [], 'no message has two alerts');
  for (let i = 1; i <= COUNT; i++) {
    for (const type of ['request', 'response']) {
      if (!perMessage.has(`${type}:${i}`)) assert.fail(`no alert on the ${type} of call ${i}`);
    }
  }
  assert.equal(a.alerts.length, 2 * COUNT, 'one alert per request and per response, nothing else');
  assert.ok(
    a.alerts.every((al) => al.category === 'prompt_injection' && JSON.stringify(al.evidence).includes('Ignore all previous instructions')),
    `every alert is the injection the client sent (${STREAM_INJECTION})`,
  );
  assert.equal(judged.length, 2);
  assert.ok(judged.every((n) => n > 0), `both security processes judged messages: ${judged.join(', ')}`);
  // Exactly once overall: the workers' counts add up to the messages on the wire.
  assert.equal(judged[0] + judged[1], streamLines(COUNT), `judged ${judged.join('+')} of ${streamLines(COUNT)} messages`);
  assert.equal(alerted[0] + alerted[1], 2 * COUNT, `alerts raised ${alerted.join('+')}`);
});
