/** stdio under the embedded monitor (needs root and BPF). */
import { test, after } from 'node:test';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();

test(`monitored ${SCENARIOS.stdio.title}`, { skip }, async () => {
  await monitoredScenario('stdio');
});
