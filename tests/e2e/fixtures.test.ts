/**
 * The fixtures on their own, without the monitor: every scenario runs with
 * wire transcripts, the clients' own checks pass, the printed counts are the
 * expected ones, and the golden files agree with what really crossed the
 * wire (direction, kind, id, method, exact text, in order). This needs no
 * root and keeps the goldens honest while the monitor is being built.
 * UPDATE_GOLDEN=1 writes a golden predicted from the transcripts when none
 * exists or its wire facts differ.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SCENARIOS, type ScenarioName } from './scenarios';
import { normalise, predictLines, readGolden, updating, wireMessages, wireProjection, writeGolden, goldenPaths, outline } from './golden';
import { scratchDir } from './tmp';
import { stopAll } from './proc';

after(stopAll);

describe('e2e fixtures without the monitor', () => {
  for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
    const sc = SCENARIOS[name];
    test(`${name}: ${sc.title}`, async () => {
      const tmp = scratchDir(`fixture-${name}`);
      try {
        const result = await sc.run({ dir: tmp.dir, transcripts: true });
        assert.deepEqual(
          result.summaries.map((s) => ({ requests: s.requests, notifications: s.notifications })),
          sc.expected,
        );
        const predicted = normalise(predictLines(result.sessions, wireMessages(result.sessions)));
        // Each request and notification the clients counted crosses the wire once, plus one reply per request.
        const reqs = sc.expected.reduce((n, e) => n + e.requests, 0);
        assert.equal(predicted.messages.filter((m) => m.type === 'request').length, reqs);
        assert.equal(
          predicted.messages.filter((m) => m.type === 'response' || m.type === 'error').length,
          reqs,
          'every request has exactly one reply',
        );
        const golden = readGolden(name);
        const same = golden && JSON.stringify(wireProjection(golden.messages)) === JSON.stringify(wireProjection(predicted.messages));
        if (updating() && !same) {
          writeGolden(name, predicted);
          return;
        }
        assert.ok(golden, `no golden ${goldenPaths(name).messages}: run with UPDATE_GOLDEN=1`);
        assert.deepEqual(outline(golden.messages), outline(predicted.messages));
        assert.deepEqual(wireProjection(golden.messages), wireProjection(predicted.messages));
      } finally {
        tmp.remove();
      }
    });
  }

  test('golden files exist for every scenario', () => {
    for (const name of Object.keys(SCENARIOS)) assert.ok(existsSync(goldenPaths(name).messages), name);
  });
});
