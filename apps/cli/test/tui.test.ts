/**
 * The real monitor with its TUI in a real pseudo-terminal (root, BPF): a
 * tmux pane on a private server socket runs `mcpspy --comm ...`; the MCP SDK
 * stdio scenario runs beside it; keys go in with send-keys and the screen
 * comes back with capture-pane, as a person would see it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Child, E2E_FIXTURES, MCPSPY_BIN, readJsonl, REPO_ROOT, rootSkipReason, waitUntil, scratchDir } from './cli';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `mcpspy-cli-tui-${process.pid}`;
const session = 'mon';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => {
  try {
    return tmux('capture-pane', '-p', '-t', session);
  } catch {
    return '(pane gone)';
  }
};

after(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  await Child.stopAll();
});

async function until(re: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
  let last = '';
  const ok = await waitUntil(() => re.test((last = screen())), timeoutMs, 100);
  assert.ok(ok, `${what}: ${re} never showed; screen:\n${last}`);
  return last;
}

const skip = rootSkipReason() ?? (hasTmux ? undefined : 'tmux is not installed (apt-get install tmux)');

test('TUI: live rows of a stdio session, detail view with the paired response, q exits 0', { skip }, async () => {
  const dir = scratchDir('mcpspy-cli-tui-');
  const out = join(dir, 'tui.jsonl');
  const log = join(dir, 'mcpspy.log');
  // stderr stays on the terminal, as for a person; readiness comes from the log file.
  const cmd = `cd ${REPO_ROOT} && MCPSPY_LOG_FILE=${log} TZ=UTC ${process.execPath} ${MCPSPY_BIN} --comm mcpe2e-client,mcpe2e-server -o ${out}; echo "exit=$?"; sleep 60`;
  // Tall enough for a request and its paired response in the detail view, conversation fields included.
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '90', cmd);

  let s = await until(/TIME +TRANS +TYPE +METHOD \/ TOOL[^]*q quit/, 'table header and key line', 60_000);
  const ready = await waitUntil(() => existsSync(log) && /"msg":"probe started"/.test(readFileSync(log, 'utf8')), 60_000, 200);
  assert.ok(ready, `probe started (log ${log}):\n${screen()}`);

  const client = new Child('mcpe2e-client', process.execPath, [join(E2E_FIXTURES, 'client.mjs'), '--scenario', 'full', '--transport', 'stdio']);
  assert.equal(await client.exited, 0, client.stdout() + client.stderr());
  const me = `mcpe2e-client\\[${client.pid}\\]`;

  s = await until(new RegExp(`RESP completion/complete +mcpe2e-server\\[\\d+\\] → `), 'last response of the session');
  assert.match(s, new RegExp(`stdio REQ +initialize +${me} → `), 'initialize row');
  assert.match(s, new RegExp(`stdio REQ +tools/call \\(echo\\) +${me} → `), 'tools/call row with its tool');
  assert.match(s, /stdio RESP +tools\/call \(add\) +mcpe2e-server\[\d+\]/);
  assert.match(s, /stdio ERR +resources\/read \(mcpe2e:\/\/docs\/missing\)/, 'error row');
  assert.match(s, /^ mcpspy +\d+ msgs /m, 'stats bar');

  // Only this client's rows (others may run the same fixtures), first row, detail.
  tmux('send-keys', '-t', session, 'p');
  await until(/process: █/, 'process prompt');
  tmux('send-keys', '-t', session, '-l', `[${client.pid}]`);
  await until(new RegExp(`process: \\[${client.pid}\\]█`), 'typed pid');
  tmux('send-keys', '-t', session, 'Enter');
  s = await until(new RegExp(`process~\\[${client.pid}\\]`), 'process filter');
  // Then only the echo call (a method filter), first row, detail view.
  tmux('send-keys', '-t', session, 'm');
  await until(/method: █/, 'method prompt');
  tmux('send-keys', '-t', session, '-l', 'echo');
  await until(/method: echo█/, 'typed method');
  tmux('send-keys', '-t', session, 'Enter');
  s = await until(/\[method~echo process~\[\d+\]\] 2 shown/, 'method and process filters');
  tmux('send-keys', '-t', session, 'g');
  // One key at a time, each seen on screen: the next one goes to what a person would see.
  await until(/›\s+\S+ stdio REQ +tools\/call \(echo\) /, 'selection on the echo request');
  tmux('send-keys', '-t', session, 'Enter');
  s = await until(/── message \(REQ tools\/call \(echo\)\) ──/, 'detail view of the echo call');
  assert.match(s, new RegExp(`"from_pid": ${client.pid}`));
  assert.match(s, /"text": "hello mcpspy"/, 'the call arguments');
  for (let i = 0; i < 6 && !/── paired response ──/.test(s); i++) {
    tmux('send-keys', '-t', session, 'NPage');
    await new Promise((r) => setTimeout(r, 300));
    s = screen();
  }
  s = await until(/── paired response ──[^]*"text": "echo: hello mcpspy"/, 'paired response in the detail view');
  tmux('send-keys', '-t', session, 'Escape');
  await until(/TIME +TRANS +TYPE/, 'back to the table');

  tmux('send-keys', '-t', session, 'q');
  s = await until(/exit=\d+/, 'the monitor exits after q', 30_000);
  assert.match(s, /exit=0/);
  assert.doesNotMatch(s, /\n\s+at |Error:/, 'no error on the terminal');
  const mine = readJsonl(out).filter((l) => l.stdio_transport?.from_pid === client.pid || l.stdio_transport?.to_pid === client.pid);
  assert.equal(mine.length, 33, 'the JSONL written alongside the TUI holds the whole session');
});
