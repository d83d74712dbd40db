/** HTTPS under the embedded monitor: Node's OpenSSL and python's system libssl against one server (needs root and BPF). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { SCENARIOS } from './scenarios';
import { COMMS } from './peers';
import { stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();

test(`monitored ${SCENARIOS.https.title}`, { skip }, async () => {
  const got = await monitoredScenario('https');
  // The golden already pins this; said again so a regenerated golden cannot drop a TLS stack unnoticed.
  const comms = new Set(got.messages.map((m) => (m.http_transport as { comm: string; tls: boolean }).comm));
  assert.deepEqual([...comms].sort(), [COMMS.client, COMMS.python].sort());
  assert.ok(got.messages.every((m) => (m.http_transport as { tls: boolean }).tls === true), 'every message seen as TLS plaintext');
});
