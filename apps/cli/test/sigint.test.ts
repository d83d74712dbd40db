/**
 * Ctrl+C in the middle of a burst (issue 6): the monitor (root, real BPF)
 * watches a writer that pushes JSON-RPC lines into a pipe at a steady high
 * rate; while it writes, the test asks the writer how many lines it had
 * handed to the kernel, then sends SIGINT to the monitor. Every line below
 * that count must be in the JSONL, and the monitor must exit 0.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Child, readJsonl, REPO_ROOT, rootSkipReason, startCli, tail, scratchDir } from './cli';

after(() => Child.stopAll());

const BURST = join(REPO_ROOT, 'apps', 'cli', 'test', 'fixtures', 'burst.mjs');
// The architecture's target rate for stdio capture; the writer keeps it for the whole burst.
const RATE = Number(process.env.MCPSPY_CLI_BURST_RATE ?? 10_000);

function seqOf(l: Record<string, any>): number | undefined {
  const s = l.params?.arguments?.seq ?? l.params?.seq;
  return typeof s === 'number' ? s : undefined;
}

test(`SIGINT during a ${RATE} lines/s burst loses nothing written before it`, { skip: rootSkipReason() }, async (t) => {
  const out = join(scratchDir('mcpspy-cli-sigint-'), 'burst.jsonl');
  const mon = startCli(['-o', out, '--tui=false', '-q', '--comm', 'mcpcli-bw,mcpcli-br']);
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);

  const writer = new Child('burst', process.execPath, [BURST, '--seconds', '3', '--rate', String(RATE)]);
  await writer.waitForLine(/^ready$/, 30_000);
  await new Promise((r) => setTimeout(r, 1_500));

  // Ask first, signal the monitor as soon as the answer is in: every line
  // counted was in the pipe before SIGINT, and the writer keeps going.
  writer.child.kill('SIGUSR2');
  const count = Number((await writer.waitForLine(/^count \d+$/, 5_000)).slice(6));
  const writing = writer.child.exitCode === null;
  const sentAt = Date.now();
  const code = await mon.stop('SIGINT', 60_000);
  const stopMs = Date.now() - sentAt;
  const total = Number((await writer.waitForLine(/^done \d+$/, 15_000)).slice(5));
  assert.equal(code, 0, `monitor exit: ${tail(mon.stderr())}`);
  assert.ok(writing && total > count, `the writer was still writing at SIGINT (${count} then, ${total} in all)`);
  assert.ok(count > 0, 'the writer had written lines before the signal');

  const seen = new Set<number>();
  let burstLines = 0;
  for (const l of readJsonl(out)) {
    const s = seqOf(l);
    if (s === undefined || l.stdio_transport?.from_pid !== writer.pid) continue;
    burstLines++;
    seen.add(s);
  }
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!seen.has(i)) missing.push(i);
  const summary = `rate ${RATE}/s: ${count} lines before SIGINT, ${seen.size} distinct in the JSONL (${burstLines} lines), ${total} written in all, monitor stopped in ${stopMs} ms, ${missing.length} missing`;
  t.diagnostic(summary);
  process.stderr.write(`sigint: ${summary}\n`);
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${count} lines written before SIGINT are missing`);
  assert.equal(burstLines, seen.size, 'no line written twice');
  assert.ok([...seen].every((s) => s < total), 'no seq the writer never wrote');
});
