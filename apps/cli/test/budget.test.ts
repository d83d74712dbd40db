/**
 * Memory budgets through the real entry point (issue 18, root, real BPF): a
 * process holding 300 MB of unfinished lines on 16 pipes used to fill the
 * parser's whole 256 MB budget, so every later message larger than one
 * chunk from any other process disappeared (0 of 5 of 100 KB). Now one
 * process holds at most its share (oldest evicted first, counted and
 * reported as `budget_evicted`), the other process's messages are all
 * written, and the hog's state is let go when it exits.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort } from '@mcpspy/runtime/testing';
import { Child, httpGet, readJsonl, REPO_ROOT, rootSkipReason, stageCounter, startCli, tail, waitUntil, scratchDir } from './cli';

after(() => Child.stopAll());

const PEERS = join(REPO_ROOT, 'apps', 'cli', 'test', 'fixtures', 'budget-peers.mjs');

test('one process holding 300 MB of unfinished lines cannot starve another; its exit releases them', { skip: rootSkipReason() }, async (t) => {
  const out = join(scratchDir('mcpspy-cli-budget-'), 'out.jsonl');
  const port = await freePort();
  const mon = startCli(['-o', out, '--tui=false', '-q', '--comm', 'mcpcli-hog,mcpcli-big', '--metrics-port', String(port)]);
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  const metrics = async (name: string) => stageCounter((await httpGet(`http://127.0.0.1:${port}/metrics`)).body, 'mcp-parser', name) ?? 0;

  const hog = new Child('hog', process.execPath, [PEERS, 'hog', '300']);
  await hog.waitForLine(/^held$/, 120_000);
  // Every hog byte handled before the other process starts.
  assert.ok(await waitUntil(async () => (await metrics('budget_evicted')) > 0, 60_000), `no eviction: ${tail(mon.stderr())}`);

  const big = new Child('big', process.execPath, [PEERS, 'big', '5', '100']);
  await big.waitForLine(/^done 5$/, 60_000);
  const fromBig = () => readJsonl(out).filter((l) => l.method === 'notifications/message' && l.stdio_transport?.from_pid === big.pid);
  const all = await waitUntil(() => fromBig().length === 5, 60_000);
  assert.ok(all, `${fromBig().length} of 5 messages of 100 KB written`);

  await hog.stop('SIGTERM', 10_000);
  assert.ok(await waitUntil(async () => (await metrics('partial_lines_at_exit')) > 0, 30_000), 'the hog\'s partial lines were let go at its exit');
  const evicted = await metrics('budget_evicted');
  t.diagnostic(`budget_evicted ${evicted}, partial_lines_at_exit ${await metrics('partial_lines_at_exit')}`);
  assert.equal(await mon.stop('SIGINT', 30_000), 0, tail(mon.stderr()));
  const notices = readJsonl(out).filter((l) => l.type === 'notice' && l.reason === 'budget_evicted');
  assert.ok(notices.length >= 1, 'a budget_evicted notice is in the JSONL');
  assert.ok(notices.every((n) => n.stage === 'mcp-parser'));
});
