/**
 * --security under the embedded monitor (needs root and BPF): the malicious
 * server raises tool_poisoning on its tools/list reply and prompt_injection
 * on its tools/call reply; the benign stdio scenario raises nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();

interface AlertView {
  category: string;
  message: { type?: string; id?: unknown; method?: string };
}

test(`monitored with --security: ${SCENARIOS.evil.title}`, { skip }, async () => {
  const got = await monitoredScenario('evil', { security: true });
  const alerts = got.alerts as unknown as AlertView[];
  // Ids come from the SDK client: 0 initialize, 1 tools/list, 2 tools/call, 3 ping.
  assert.ok(
    alerts.some((a) => a.category === 'tool_poisoning' && a.message.id === 1),
    `tool_poisoning on the tools/list reply; got ${JSON.stringify(alerts)}`,
  );
  assert.ok(
    alerts.some((a) => a.category === 'prompt_injection' && a.message.id === 2 && a.message.type === 'response'),
    `prompt_injection on the tools/call reply; got ${JSON.stringify(alerts)}`,
  );
  assert.deepEqual(
    alerts.filter((a) => a.message.id !== 1 && a.message.id !== 2),
    [],
    'no alert on initialize, ping or the benign tools/call request',
  );
});

test('monitored with --security: benign stdio scenario raises no alert', { skip }, async () => {
  const got = await monitoredScenario('stdio', { security: true });
  assert.deepEqual(got.alerts, []);
});
