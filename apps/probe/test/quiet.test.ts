/**
 * Quiet streams (bpf/io_common.bpf.h): a process whose calls on one stream
 * the prefilter rejected 256 times skips the prefilter there from then on.
 * Pipe and unix writes keep their prefilter unless asked ('all'), so a stdio
 * writer that starts with junk is still captured; a quieted reader still
 * gets the stream's bytes once its writer has been tracked.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Direction, RawKind } from '@mcpspy/events';
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
  test('a pipe writer that writes 300 junk lines first is still captured (pipe writes are never quieted by default)', async () => {
    const cap = await startProbe({ comms: ['mcpt-qw'] });
    try {
      const before = cap.probe.stats().filtered;
      const { text } = await junkThenJson(cap, 'mcpt-qw');
      assert.equal(text, JSON_LINES.join(''));
      assert.ok(cap.probe.stats().filtered >= before + 300, 'the junk writes are counted as filtered');
    } finally {
      await cap.stop();
    }
  });

  test("with quietStreams 'all' the same writer's JSON after 256 rejected writes is not seen (the trade it makes)", async () => {
    const cap = await startProbe({ comms: ['mcpt-qa'], quietStreams: 'all' });
    try {
      const { text } = await junkThenJson(cap, 'mcpt-qa');
      assert.equal(text, '');
    } finally {
      await cap.stop();
    }
  });

  test('a reader quieted by 300 junk reads still gets the bytes once the writer is tracked', async () => {
    const cap = await startProbe({ comms: ['mcpt-qs'] });
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
});
