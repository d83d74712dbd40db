/**
 * `--security --security-async=false` under the real monitor (root, BPF): the
 * MCP SDK client talks to the malicious stdio server; each alert must sit
 * right next to the message it concerns in the JSONL (only alerts of that
 * same message in between), and nothing is lost while messages are held.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Child, E2E_FIXTURES, readJsonl, rootSkipReason, startCli, tail, waitUntil, scratchDir } from './cli';

after(() => Child.stopAll());

// initialize, tools/list, tools/call, ping answered (8 lines) + notifications/initialized.
const EVIL_LINES = 9;

test('--security-async=false writes each alert right after its message, nothing lost', { skip: rootSkipReason() }, async () => {
  const out = join(scratchDir('mcpspy-cli-secsync-'), 'evil.jsonl');
  const mon = startCli(['--security', '--security-async=false', '--tui=false', '-q', '-o', out, '--comm', 'mcpe2e-client,mcpe2e-evil']);
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);

  const client = new Child('mcpe2e-client', process.execPath, [join(E2E_FIXTURES, 'client.mjs'), '--scenario', 'evil', '--transport', 'stdio']);
  assert.equal(await client.exited, 0, client.stdout() + client.stderr());
  assert.match(client.stdout(), /mcpe2e-client: ok scenario=evil transport=stdio requests=4 notifications=1/);

  const mineOf = (lines: Array<Record<string, any>>) =>
    lines.filter((l) => (l.type === 'security_alert' ? String(l.message?.session).split(/[:-]/).includes(String(client.pid)) : l.stdio_transport?.from_pid === client.pid || l.stdio_transport?.to_pid === client.pid));
  await waitUntil(() => mineOf(readJsonl(out)).length >= EVIL_LINES + 4, 15_000, 200);
  assert.equal(await mon.stop('SIGINT', 20_000), 0, tail(mon.stderr()));

  const lines = mineOf(readJsonl(out));
  const messages = lines.filter((l) => l.type !== 'security_alert');
  const alerts = lines.filter((l) => l.type === 'security_alert');
  const view = lines.map((l) => (l.type === 'security_alert' ? `ALERT ${l.category} on ${l.message?.msg_id}` : `${l.type} ${l.id ?? ''} ${l.method ?? ''} ${l.msg_id}`));
  assert.equal(messages.length, EVIL_LINES, `every message written:\n${view.join('\n')}`);
  assert.deepEqual(
    [...new Set(alerts.map((a) => `${a.category}@${a.message?.id}`))].sort(),
    ['exfiltration@2', 'jailbreak@2', 'prompt_injection@2', 'tool_poisoning@1'],
    'the alerts of the malicious server',
  );
  for (const a of alerts) {
    const at = lines.indexOf(a);
    const concerned = lines.findIndex((l) => l.type !== 'security_alert' && l.msg_id === a.message?.msg_id);
    assert.ok(concerned >= 0, `the message of alert ${a.category} is in the file`);
    const between = at > concerned ? lines.slice(concerned + 1, at) : lines.slice(at + 1, concerned);
    assert.ok(
      between.every((l) => l.type === 'security_alert' && l.message?.msg_id === a.message?.msg_id),
      `alert ${a.category} sits next to its message ${a.message?.msg_id}:\n${view.join('\n')}`,
    );
  }
});
