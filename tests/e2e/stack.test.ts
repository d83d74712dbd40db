/**
 * The scenarios against the distributed stack: every stage its own process,
 * real nats-server (JetStream) and redis-server (needs root and BPF;
 * MCPSPY_E2E_STACK=0 turns them off).
 */
import { test, after } from 'node:test';
import { monitorSkipReason } from './harness';
import { stackScenario } from './monitored';
import { stackSkipReason } from './stack';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';

after(stopAll);
const skip = stackSkipReason(monitorSkipReason());

test(`distributed ${SCENARIOS.stdio.title}`, { skip }, async () => {
  await stackScenario('stdio');
});

test(`distributed ${SCENARIOS.https.title}`, { skip }, async () => {
  await stackScenario('https');
});

test(`distributed ${SCENARIOS['big-https'].title}`, { skip }, async () => {
  await stackScenario('big-https');
});

test(`distributed --security ${SCENARIOS.evil.title}`, { skip }, async () => {
  await stackScenario('evil', { security: true });
});
