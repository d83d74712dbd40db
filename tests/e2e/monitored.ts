/**
 * Shared body of the monitored scenario tests: run under the embedded
 * monitor (or the distributed stack), check the clients' counts, compare
 * with the golden.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS, type ScenarioName, type ScenarioResult } from './scenarios';
import type { ClientSummary } from './peers';
import { assertGolden, parseJsonl, readGolden, type Normalised } from './golden';
import { runUnderMonitor, type Monitor } from './harness';
import { Stack } from './stack';
import { scratchDir } from './tmp';

function expectedLines(name: ScenarioName): number {
  const g = readGolden(name);
  return g ? g.messages.length + g.alerts.length : 1;
}

function checkCounts(name: ScenarioName, summaries: ClientSummary[]): void {
  assert.deepEqual(
    summaries.map((s) => ({ requests: s.requests, notifications: s.notifications })),
    SCENARIOS[name].expected,
  );
}

export async function monitoredScenario(
  name: ScenarioName,
  opts: { security?: boolean; extraArgs?: string[]; onReady?: (m: Monitor) => void } = {},
): Promise<Normalised> {
  const tmp = scratchDir(`mon-${name}`);
  try {
    const run = await runUnderMonitor(name, tmp.dir, { expectedLines: expectedLines(name), ...opts });
    checkCounts(name, run.result.summaries);
    // Nothing is lost on these small runs: a gap warning means bytes went missing in capture
    // (it once came from writevs of 3+ iovecs whose tails the probe dropped).
    assert.doesNotMatch(run.stderr, /"counter":"(http_gap|messages_cut_by_gap)"/, 'a gap was reported on a complete run');
    return assertGolden(name, run.lines);
  } finally {
    tmp.remove();
  }
}

export async function stackScenario(name: ScenarioName, opts: { security?: boolean } = {}): Promise<Normalised> {
  const tmp = scratchDir(`stack-${name}`);
  const sc = SCENARIOS[name];
  const output = join(tmp.dir, 'out.jsonl');
  try {
    const stack = await Stack.start({ dir: tmp.dir, output, comms: sc.comms, security: opts.security });
    let result: ScenarioResult;
    try {
      result = await sc.run({ dir: tmp.dir, transcripts: false });
      await stack.waitQuiet(expectedLines(name));
    } finally {
      await stack.stop();
    }
    const lines = existsSync(output) ? parseJsonl(readFileSync(output, 'utf8')) : [];
    checkCounts(name, result.summaries);
    return assertGolden(name, lines);
  } finally {
    tmp.remove();
  }
}
