/**
 * The mcp-parser stage as Nest runs it, on a real nats-server: corrupt raw
 * batches and invalid JSON payloads are counted and skipped, and the stage
 * goes on producing MCP messages from the good input around them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import {
  batchSubjectOf,
  decodeBatchText,
  Direction,
  FdType,
  McpMessageEvent,
  rawSubject,
  RawBatchWriter,
  RawFlags,
  RawKind,
  Subjects,
} from '@mcpspy/events';
import {
  createRuntime,
  defaultConfig,
  silentLogger,
  startStage,
  stopStages,
} from '@mcpspy/runtime';
import { startNats, TestServer } from '@mcpspy/runtime/testing';
import { McpParserModule } from '../src';

let nats: TestServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats?.dispose();
});

function batchOf(line: string, dir: number, pid: number, callId: bigint): Buffer {
  const w = new RawBatchWriter();
  const data = Buffer.from(line);
  w.append({
    kind: RawKind.io, direction: dir, fdType: FdType.pipe, flags: RawFlags.first | RawFlags.last,
    pid, tid: pid, fd: dir === Direction.write ? 1 : 0, tsNs: 1_000_000_000n, streamId: 4242n, callId,
    totalLen: data.length, offset: 0, lostBytes: 0, comm: pid === 10 ? 'client' : 'server', data,
  });
  return w.finish({ wallOffsetNs: 1_700_000_000_000_000_000n, seq: callId });
}

test('corrupt batches and invalid payloads are counted; good messages around them still come out', async () => {
  const config = { ...defaultConfig(), natsUrl: nats.url, instance: 'stage-test' };
  const rt = await createRuntime({ config, logger: silentLogger(), embedded: false, name: 'stage-test' });
  const app = await startStage('mcp-parser', McpParserModule.register(rt), rt);
  const nc = await connect({ servers: nats.url });
  const out: McpMessageEvent[] = [];
  // MCP messages leave in batches (batch-envelope.ts); a stage with batching off sends them singly.
  const sub = nc.subscribe(Subjects.mcpMessage);
  const batches = nc.subscribe(batchSubjectOf(Subjects.mcpMessage));
  void (async () => {
    for await (const m of sub) out.push(JSON.parse(new TextDecoder().decode(m.data)) as McpMessageEvent);
  })();
  void (async () => {
    for await (const m of batches) {
      for (const l of decodeBatchText(new TextDecoder().decode(m.data)).lines) if (l.ok) out.push(l.value as McpMessageEvent);
    }
  })();
  await nc.flush();
  try {
    const line = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n';
    nc.publish(rawSubject('stdio', 0), Buffer.from('definitely not a batch'));
    const good = batchOf(line, Direction.write, 10, 1n);
    nc.publish(rawSubject('stdio', 0), good.subarray(0, good.length - 9)); // truncated
    nc.publish(Subjects.httpMessage, new TextEncoder().encode('{"broken json'));
    nc.publish(rawSubject('stdio', 0), good);
    nc.publish(rawSubject('stdio', 0), batchOf(line, Direction.read, 20, 2n));
    await nc.flush();
    const deadline = Date.now() + 10_000;
    while (out.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(out.length, 1, 'the good message came out once');
    assert.equal(out[0].method, 'tools/list');
    assert.deepEqual(out[0].stdio_transport, { from_pid: 10, from_comm: 'client', to_pid: 20, to_comm: 'server' });
    const metrics = await rt.metrics.registry.getSingleMetricAsString('mcpspy_stage_counter');
    assert.match(metrics, /stage="mcp-parser",name="invalid_batches"} 2/);
    assert.match(metrics, /stage="bus",name="invalid_payloads"} 1/);
  } finally {
    sub.unsubscribe();
    await nc.close();
    await stopStages([app], rt);
  }
});
