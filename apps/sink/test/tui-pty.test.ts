/**
 * The TUI on a real pseudo-terminal: a tmux pane (private server socket)
 * runs the sink with the TUI on; keys go in with send-keys and the screen
 * comes back with capture-pane, exactly as a person would see it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `mcpspy-sink-test-${process.pid}`;
const session = 'tui';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

async function until(re: RegExp, what: string): Promise<string> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < 15_000) {
    try {
      last = screen();
    } catch {
      last = '(pane gone)';
    }
    if (re.test(last)) return last;
    await sleep(50);
  }
  assert.fail(`${what}: ${re} never showed; screen:\n${last}`);
}

describe('TUI in a real terminal (tmux)', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-pty-'));
    file = path.join(dir, 'tui.jsonl');
    const driver = path.join(__dirname, 'fixtures', 'tui-driver.js');
    // CI=true on purpose: ink draws nothing until exit when it thinks it runs in CI; the TUI must not.
    const cmd = `CI=true TZ=UTC ${process.execPath} ${driver} ${file}; echo "exit=$?"; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '130', '-y', '30', cmd);
  });
  after(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('table, detail view, filter, alerts, q writes the file and exits', async () => {
    let s = await until(/ALRT HIGH prompt_injection/, 'first screen');
    assert.match(s, /5 msgs .* alerts 1 {2}drops 5 {2}gaps 1/);
    assert.match(s.split('\n')[28], /↑↓ move/, 'the key line sits at the bottom of a 30-row terminal');
    assert.match(s, /▲ 12:34:56\.789 stdio REQ +tools\/call \(get_weather\) +python\[12345\] → python\[12346\]/);
    assert.match(s, /127\.0\.0\.1:3000 → node\[47837\]/);
    assert.doesNotMatch(s, /SECURITY ALERT/, 'no console lines while the TUI runs');

    for (let i = 0; i < 4; i++) tmux('send-keys', '-t', session, 'Up');
    s = await until(/›▲ 12:34:56\.789 stdio REQ/, 'selection on the flagged request');
    tmux('send-keys', '-t', session, 'Enter');
    s = await until(/── message \(REQ tools\/call \(get_weather\)\) ──/, 'detail view');
    assert.match(s, /── alert HIGH prompt_injection 0\.93 \(rules\)/);
    assert.match(s, /"from_pid": 12345/);
    tmux('send-keys', '-t', session, 'NPage');
    s = await until(/── paired response ──/, 'detail view scrolled to the paired response');
    assert.match(s, /"text": "Weather in New York: 20°C"/);
    tmux('send-keys', '-t', session, 'Escape');
    s = await until(/TIME +TRANS +TYPE/, 'back to the table');

    tmux('send-keys', '-t', session, 'a');
    s = await until(/\[alerts-only\] 2 shown/, 'alerts only');
    assert.doesNotMatch(s.split('\n').slice(3).join('\n'), /resources\/read/);
    tmux('send-keys', '-t', session, 'c', 't', 't');
    s = await until(/\[transport=http\] 2 shown/, 'http only');
    assert.doesNotMatch(s.split('\n').slice(3).join('\n'), /get_weather/);

    tmux('send-keys', '-t', session, 'q');
    await until(/exit=0/, 'the sink exits after q');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 6);
    assert.equal((JSON.parse(lines[5]) as { type: string }).type, 'security_alert');
  });
});
