/**
 * Issue #17 through the real monitor's TUI (root, BPF): `mcpspy --comm ...`
 * in a tmux pane watches hostile peers (tests/e2e/fixtures/hostile-peers.mjs:
 * an ESC-forged tool name, C1/bidi in an error message, a CR in a Host
 * header). `capture-pane -e` of the table and of every detail view holds
 * only colours and visible escapes: no raw control, bidi or zero-width
 * character reached the terminal, and the forged line is nowhere.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Child, E2E_FIXTURES, MCPSPY_BIN, REPO_ROOT, rootSkipReason, waitUntil, scratchDir } from './cli';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `mcpspy-cli-tui-hostile-${process.pid}`;
const session = 'mon';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const SGR = /\u001b\[[0-9;:]*m/g;
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const captured = () => {
  try {
    return tmux('capture-pane', '-p', '-e', '-t', session);
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
  const ok = await waitUntil(() => re.test((last = captured()).replace(SGR, '')), timeoutMs, 100);
  assert.ok(ok, `${what}: ${re} never showed; screen:\n${last}`);
  return last;
}

function assertClean(screen: string, where: string): string {
  const text = screen.replace(SGR, '');
  assert.doesNotMatch(text, /\u001b/, `${where}: an escape sequence that is not a colour:\n${JSON.stringify(text)}`);
  assert.doesNotMatch(text, RAW_UNSAFE, `${where}: a raw control, bidi or zero-width character:\n${JSON.stringify(text)}`);
  assert.ok(!text.split('\n').some((l) => /^\W{0,3}12:00:00\.000 python\[1\]/.test(l)), `${where}: the forged line is on the screen:\n${text}`);
  return text;
}

const skip = rootSkipReason() ?? (hasTmux ? undefined : 'tmux is not installed (apt-get install tmux)');

test('TUI of the real monitor: hostile peers leave only visible escapes on the screen', { skip }, async () => {
  const dir = scratchDir('mcpspy-cli-tui-hostile-');
  const log = join(dir, 'mcpspy.log');
  const cmd = `cd ${REPO_ROOT} && MCPSPY_LOG_FILE=${log} TZ=UTC ${process.execPath} ${MCPSPY_BIN} --comm mcpe2e-hostc,mcpe2e-hosts,mcpe2e-hosth; echo "exit=$?"; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', '220', '-y', '40', cmd);
  await until(/TIME +TRANS +TYPE +METHOD \/ TOOL[^]*q quit/, 'table header and key line', 60_000);
  const ready = await waitUntil(() => existsSync(log) && /"msg":"probe started"/.test(readFileSync(log, 'utf8')), 60_000, 200);
  assert.ok(ready, `probe started (log ${log})`);

  for (const mode of ['stdio-client', 'http']) {
    const peer = new Child(`hostile ${mode}`, process.execPath, [join(E2E_FIXTURES, 'hostile-peers.mjs'), mode]);
    assert.equal(await peer.exited, 0, peer.stdout() + peer.stderr());
  }
  let screen = await until(/RESP +tools\/call \(ok\\u200b\)/, 'the last message of the hostile peers');
  let text = assertClean(screen, 'table');
  assert.match(text, /tools\/call \(get_weather\\x1b\[2K\\r12:00/);
  assert.match(text, /-32000 denied \\x9b31m\\u202eevil/);
  assert.match(text, /evil\.example\\rX-F/);
  assert.match(text, /notices 2/);
  assert.match(text, /NOTE name_not_visible/);

  const rows = text.split('\n').filter((l) => /^[› ][▲⚠ ] \d\d:\d\d:\d\d\.\d{3} /.test(l)).length;
  assert.ok(rows >= 9, `${rows} rows`);
  for (let i = 0; i < rows; i++) {
    tmux('send-keys', '-t', session, 'Enter');
    screen = await until(/esc back/, `detail view ${i}`);
    text = assertClean(screen, `detail view ${i}`);
    tmux('send-keys', '-t', session, 'Escape');
    await until(/TIME +TRANS +TYPE/, 'back to the table');
    tmux('send-keys', '-t', session, 'Up');
  }
  tmux('send-keys', '-t', session, 'q');
  screen = await until(/exit=\d+/, 'the monitor exits after q', 30_000);
  assert.match(screen.replace(SGR, ''), /exit=0/);
});
