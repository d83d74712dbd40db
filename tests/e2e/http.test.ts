/** Plain HTTP transports under the embedded monitor: streamable HTTP and the deprecated HTTP+SSE (needs root and BPF). */
import { test, after } from 'node:test';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();

test(`monitored ${SCENARIOS.http.title}`, { skip }, async () => {
  await monitoredScenario('http');
});

test(`monitored ${SCENARIOS.sse.title}`, { skip }, async () => {
  await monitoredScenario('sse');
});
