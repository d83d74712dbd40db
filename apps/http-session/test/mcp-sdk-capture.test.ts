/**
 * Real peers: the MCP TypeScript SDK's Streamable HTTP client and server
 * talk through a TCP relay that records every chunk as it crosses, in
 * order, exactly as socket reads and writes would be seen from the client
 * side. No probe here (that needs root and lives in the e2e suite): the
 * relay stands in for the kernel, and only that.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { Conn, RawInput, run } from './raw-builder';

interface Recorded {
  conn: number;
  dir: 'write' | 'read';
  bytes: Buffer;
}

async function startServer(big: string): Promise<{ server: http.Server; port: number }> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const server = http.createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'] as string | undefined;
    let t = sid ? transports.get(sid) : undefined;
    if (!t) {
      t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void transports.set(id, t!) });
      const mcp = new McpServer({ name: 'capture-test', version: '1.0.0' });
      mcp.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
      mcp.registerTool('big', { description: 'big' }, async () => ({ content: [{ type: 'text', text: big }] }));
      await mcp.connect(t);
    }
    await t.handleRequest(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

async function startRelay(target: number, log: Recorded[]): Promise<{ relay: net.Server; port: number }> {
  let next = 0;
  const relay = net.createServer((client) => {
    const conn = next++;
    const upstream = net.connect(target, '127.0.0.1');
    client.on('data', (b) => {
      log.push({ conn, dir: 'write', bytes: Buffer.from(b) });
      upstream.write(b);
    });
    upstream.on('data', (b) => {
      log.push({ conn, dir: 'read', bytes: Buffer.from(b) });
      client.write(b);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return { relay, port: (relay.address() as AddressInfo).port };
}

describe('MCP SDK peers through a recording relay', () => {
  test('initialize, tools/list and tools/call (SSE responses, 2 MB result) come out paired', async () => {
    const big = 'ü'.repeat(1024 * 1024);
    const log: Recorded[] = [];
    const { server, port } = await startServer(big);
    const { relay, port: relayPort } = await startRelay(port, log);
    const client = new Client({ name: 'capture-client', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${relayPort}/mcp`)));
      const tools = await client.listTools();
      assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['big', 'echo']);
      const echo = await client.callTool({ name: 'echo', arguments: { text: 'héllo' } });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'héllo' }]);
      const res = await client.callTool({ name: 'big', arguments: {} });
      assert.equal((res.content as { text: string }[])[0].text.length, big.length);
    } finally {
      await client.close().catch(() => undefined);
      relay.close();
      server.closeAllConnections();
      server.close();
    }

    // Replay what crossed the relay as the client process's own reads and writes.
    const conns = new Map<number, Conn>();
    const events: RawInput[] = [];
    for (const r of log) {
      let c = conns.get(r.conn);
      if (!c) conns.set(r.conn, (c = new Conn({ pid: 500, streamId: BigInt(1000 + r.conn), comm: 'node' })));
      // The probe emits at most a few KB per ring-buffer record.
      events.push(...(r.dir === 'write' ? c.write(r.bytes, 4096) : c.read(r.bytes, 4096)));
    }
    const { messages, engine } = run(events);
    assert.equal(engine.counters.get('gaps'), 0);
    assert.ok(messages.every((m) => m.side === 'client' && m.pid === 500 && m.gap === undefined));

    const rpc = (m: (typeof messages)[number]) => (m.body ? JSON.parse(m.body) : undefined);
    const requests = messages.filter((m) => m.is_request && m.method === 'POST').map((m) => ({ m, j: rpc(m) }));
    const methods = requests.map((r) => r.j.method);
    assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'tools/list', 'tools/call', 'tools/call']);
    assert.equal(requests[0].m.session_id, undefined);
    const sid = requests[2].m.session_id;
    assert.match(sid ?? '', /^[0-9a-f-]{36}$/);

    // Every JSON-RPC response arrived as an SSE event on the response to its own POST.
    const replies = messages.filter((m) => m.kind === 'sse_event').map((m) => ({ m, j: rpc(m) }));
    for (const r of requests.filter((x) => x.j.id !== undefined)) {
      const reply = replies.find((x) => x.j.id === r.j.id);
      assert.ok(reply, `reply to ${r.j.method}`);
      assert.equal(reply.m.stream, r.m.stream);
      assert.equal(reply.m.exchange, r.m.exchange);
      assert.equal(reply.m.method, 'POST');
      assert.equal(reply.m.path, '/mcp');
      assert.equal(reply.m.host, `127.0.0.1:${relayPort}`);
      assert.equal(reply.m.status, 200);
      assert.equal(reply.m.content_type, 'text/event-stream');
      assert.equal(reply.m.sse_event, 'message');
    }
    const bigReply = replies.find((x) => x.j.id === requests[4].j.id)!;
    assert.equal(bigReply.j.result.content[0].text, big);
    // The initialize response carries the session id the later requests reuse.
    assert.equal(replies.find((x) => x.j.id === requests[0].j.id)!.m.session_id, sid);
    // The notification was accepted with 202 and an empty body.
    const accepted = messages.find((m) => !m.is_request && m.exchange === requests[1].m.exchange && m.stream === requests[1].m.stream);
    assert.equal(accepted?.status, 202);
    assert.equal(engine.bytesHeld(), 0);
  });
});
