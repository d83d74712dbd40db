/**
 * Quiet streams (bpf/io_common.bpf.h): a process whose calls on one stream
 * the prefilter rejected 256 times skips the prefilter there from then on,
 * except on a random 1 in 16 of its calls (quietCheck). A checked call that
 * passes ends the quiet and the calls that went unchecked are reported in a
 * `quiet_unchecked` notice. With 'reads' pipe and unix writes are never
 * quieted (session 8's default); with quietCheck 0 the quiet is final.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Direction, NoticeEvent, RawKind } from '@mcpspy/events';
import { Captured, FIXTURES, NamedBinaries, bytesOf, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
after(() => bins.cleanup());

/** More junk lines than MCPSPY_QUIET_AFTER (256), then two JSON-RPC lines. */
const JUNK = Array.from({ length: 300 }, (_, i) => `log line ${i}: nothing to see\n`);
const JSON_LINES = ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n', '{"jsonrpc":"2.0","id":2,"method":"ping"}\n'];

async function junkThenJson(cap: Captured, name: string): Promise<{ pid: number; text: string }> {
  const w = bins.path(name, process.execPath);
  const res = await run('/bin/sh', ['-c', `"$0" "$1" "$2" | cat >/dev/null`, w, join(FIXTURES, 'pipe-writer.cjs'), JSON.stringify([...JUNK, ...JSON_LINES])]);
  assert.equal(res.code, 0, res.stderr);
  const pid = Number(/W (\d+)/.exec(res.stderr)![1]);
  await waitFor(() => cap.procs.some((p) => p.kind === 'exit' && p.pid === pid), 5000, 'writer exit');
  // The exit record comes from the process ring; give the data ring one more drain.
  await new Promise((r) => setTimeout(r, 100));
  return { pid, text: bytesOf(cap.events, (e) => e.pid === pid && e.kind === RawKind.io).toString() };
}

describe('quiet streams', () => {
  test("with quietStreams 'reads' a pipe writer that writes 300 junk lines first is captured from its first JSON line", async () => {
    const cap = await startProbe({ comms: ['mcpt-qw'], quietStreams: 'reads' });
    try {
      const before = cap.probe.stats().filtered;
      const { text } = await junkThenJson(cap, 'mcpt-qw');
      assert.equal(text, JSON_LINES.join(''));
      assert.ok(cap.probe.stats().filtered >= before + 300, 'the junk writes are counted as filtered');
    } finally {
      await cap.stop();
    }
  });

  test("with quietCheck 0 the same writer's JSON after 256 rejected writes is not seen (why the checks exist)", async () => {
    const cap = await startProbe({ comms: ['mcpt-qa'], quietStreams: 'all', quietCheck: 0 });
    try {
      const { text } = await junkThenJson(cap, 'mcpt-qa');
      assert.equal(text, '');
    } finally {
      await cap.stop();
    }
  });

  test('a reader quieted by 300 junk reads still gets the bytes once the writer is tracked', async () => {
    const cap = await startProbe({ comms: ['mcpt-qs'], quietStreams: 'reads' });
    try {
      const py = bins.path('mcpt-qs', '/usr/bin/python3');
      const res = await run(py, [join(FIXTURES, 'pipe-self.py'), JSON.stringify([...JUNK, ...JSON_LINES])]);
      assert.equal(res.code, 0, res.stderr);
      const pid = Number(/S (\d+)/.exec(res.stderr)![1]);
      const lines = JSON_LINES.join('');
      await waitFor(() => bytesOf(cap.events, (e) => e.pid === pid && e.direction === Direction.read).length >= lines.length, 5000, 'the reads');
      assert.equal(bytesOf(cap.events, (e) => e.pid === pid && e.direction === Direction.write).toString(), lines);
      assert.equal(bytesOf(cap.events, (e) => e.pid === pid && e.direction === Direction.read).toString(), lines);
    } finally {
      await cap.stop();
    }
  });

  /** A real SDK client runs the SDK server fixture (named NAME) that writes JUNK plain lines first, for CALLS tool calls. */
  async function sdkSession(name: string, junk: number, calls: number): Promise<number> {
    const server = bins.path(name, process.execPath);
    const res = await run(process.execPath, [join(FIXTURES, 'sdk-client.cjs'), server, JSON.stringify([join(FIXTURES, 'junk-server.cjs'), String(junk)]), String(calls)], {
      timeoutMs: 60_000,
    });
    assert.equal(res.code, 0, res.stderr);
    const m = /^C (\d+) (\d+)$/m.exec(res.stdout);
    assert.ok(m, res.stdout);
    assert.equal(Number(m[1]), calls, 'every call answered');
    return Number(m[2]);
  }

  /** The server's captured writes as JSON-RPC lines, after its exit record and one more drain. */
  async function serverLines(cap: Captured, pid: number): Promise<string[]> {
    await waitFor(() => cap.procs.some((p) => p.kind === 'exit' && p.pid === pid), 10_000, 'server exit');
    await new Promise((r) => setTimeout(r, 100));
    const text = bytesOf(cap.events, (e) => e.pid === pid && e.kind === RawKind.io && e.direction === Direction.write).toString();
    assert.ok(text === '' || text.endsWith('\n'), 'whole lines');
    return text.split('\n').slice(0, -1);
  }

  test('an SDK server that writes 300 plain lines to stdout first is caught by a check: captured from there, the unchecked calls in a notice', async () => {
    const notices: NoticeEvent[] = [];
    const cap = await startProbe({ comms: ['mcpt-qj'], onNotice: (n) => notices.push(n) });
    try {
      const calls = 200;
      const pid = await sdkSession('mcpt-qj', 300, calls);
      const lines = await serverLines(cap, pid);
      // Every captured line is one of the session's JSON-RPC messages: no junk, nothing cut.
      for (const l of lines) assert.equal(JSON.parse(l).jsonrpc, '2.0', l);
      // The server answers initialize and each call: calls + 1 messages. A 1-in-16 check misses
      // 200 in a row with probability (15/16)^200 < 1e-5.
      const total = calls + 1;
      assert.ok(lines.length > 0, 'the stream was caught by a check');
      const missed = total - lines.length;
      // Captured from the caught call on: the last message (the answer to the last call) is there, and the ids run on.
      assert.equal(JSON.parse(lines.at(-1)!).id, total - 1);
      await waitFor(() => notices.some((n) => n.reason === 'quiet_unchecked' && n.pid === pid), 5000, 'the quiet_unchecked notice');
      const n = notices.filter((x) => x.reason === 'quiet_unchecked' && x.pid === pid).at(-1)!;
      assert.equal(n.stage, 'probe');
      assert.equal(n.comm, 'mcpt-qj');
      assert.match(n.stream ?? '', /^(pipe|unix):\d+$/);
      // Unchecked: the missed messages and the junk lines past the 256th that no check drew (at most 44).
      assert.ok(n.count >= missed && n.count <= missed + 44, `count ${n.count}, missed ${missed}`);
      assert.match(n.detail, new RegExp(`${n.count} earlier calls \\(\\d+ bytes\\) were not checked`));
    } finally {
      await cap.stop();
    }
  });

  test('a normal SDK stdio session is captured from its first byte, with no notice', async () => {
    const notices: NoticeEvent[] = [];
    const cap = await startProbe({ comms: ['mcpt-qn'], onNotice: (n) => notices.push(n) });
    try {
      const pid = await sdkSession('mcpt-qn', 0, 20);
      const lines = await serverLines(cap, pid);
      assert.equal(lines.length, 21);
      assert.equal(JSON.parse(lines[0]).result.serverInfo.name, 'junk-server');
      assert.equal(notices.filter((n) => n.reason === 'quiet_unchecked').length, 0);
    } finally {
      await cap.stop();
    }
  });

  test('a pipe that never carries MCP stays quiet: nothing captured, no notice', async () => {
    const notices: NoticeEvent[] = [];
    const cap = await startProbe({ comms: ['mcpt-qq'], onNotice: (n) => notices.push(n) });
    try {
      const w = bins.path('mcpt-qq', process.execPath);
      const junk = Array.from({ length: 1000 }, (_, i) => `plain line ${i} [x] {not json}\n`);
      const res = await run('/bin/sh', ['-c', `"$0" "$1" "$2" | cat >/dev/null`, w, join(FIXTURES, 'pipe-writer.cjs'), JSON.stringify(junk)]);
      assert.equal(res.code, 0, res.stderr);
      const pid = Number(/W (\d+)/.exec(res.stderr)![1]);
      await waitFor(() => cap.procs.some((p) => p.kind === 'exit' && p.pid === pid), 5000, 'writer exit');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(bytesOf(cap.events, (e) => e.pid === pid).length, 0);
      assert.equal(notices.filter((n) => n.pid === pid).length, 0);
    } finally {
      await cap.stop();
    }
  });
});
