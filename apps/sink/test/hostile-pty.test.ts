/**
 * Issue #17 in a real terminal: the hostile exchange (tool name that erases
 * the line and prints a forged one, C1 and bidi in an error message, CR in a
 * Host header, forged evidence, a notice with OSC and CSI) shown by the
 * console and by the TUI in a tmux pane. `capture-pane -e` returns the screen
 * with its attributes: the only escape sequences in it are colours, no raw
 * control, bidi or zero-width character is on the screen, the forged line
 * is nowhere, and the escapes are there for a person to read.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RAW_UNSAFE } from '../src/testdata/messages';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `mcpspy-sink-hostile-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (session: string) => tmux('capture-pane', '-p', '-e', '-t', session);
// SGR (colours, bold, inverse) is what a capture with -e is made of; anything else came from the traffic.
const SGR = /\u001b\[[0-9;:]*m/g;

async function until(session: string, re: RegExp, what: string): Promise<string> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < 15_000) {
    try {
      last = screen(session);
    } catch {
      last = '(pane gone)';
    }
    if (re.test(last.replace(SGR, ''))) return last;
    await sleep(50);
  }
  assert.fail(`${what}: ${re} never showed; screen:\n${last}`);
}

function assertClean(captured: string, where: string): string {
  const other = captured.replace(SGR, '');
  assert.doesNotMatch(other, /\u001b/, `${where}: an escape sequence that is not a colour:\n${JSON.stringify(other)}`);
  assert.doesNotMatch(other, RAW_UNSAFE, `${where}: a raw control, bidi or zero-width character:\n${JSON.stringify(other)}`);
  const lines = other.split('\n');
  assert.ok(!lines.some((l) => /^\W{0,3}12:00:00\.000 python\[1\]/.test(l)), `${where}: the forged line is on the screen:\n${other}`);
  return other;
}

function start(session: string, mode: 'console' | 'tui'): void {
  const driver = path.join(__dirname, 'fixtures', 'hostile-driver.js');
  const cmd = `CI=true TZ=UTC ${process.execPath} ${driver} ${mode}; echo "exit=$?"; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '40', cmd);
}

describe('hostile bytes in a real terminal (tmux)', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  before(() => {
    // A server for the sessions below; each test starts its own session.
    tmux('new-session', '-d', '-s', 'keep', 'sleep 120');
  });
  after(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  });

  test('console lines: colours only, every hostile byte shown as an escape', async () => {
    start('console', 'console');
    const captured = await until('console', /console done/, 'console output');
    const text = assertClean(captured, 'console');
    assert.match(text, /REQ tools\/call \(get_weather\\x1b\[2K\\r12:00:00\.000 python\[1\]/);
    assert.match(text, /ERR -32000 denied \\x9b31m\\u202eevil\\u202c\\u2066x\\u2069\\u2028next\\u200b/);
    assert.match(text, /node\[47837\] → evil\.example\\rGET \/ HTTP\/1\.1 REQ/);
    assert.match(text, /evidence params\.name\\x1b\[2K \[r\\x85\]/);
    assert.match(text, /⚠ NOTICE stdio_non_jsonrpc evil\\x9b\[12346\] banner \\x1b\]0;owned\\x07 on stdout/);
    assert.match(text, /⚠ NOTICE name_not_visible/);
    assert.match(text, /RESP OK tools\/call \(get_weather\)$/m, 'the honest response line after the hostile ones is intact');
    assert.match(captured, /\u001b\[[0-9;]*m/, 'the console is coloured on a terminal');
  });

  test('TUI: table and detail views hold only visible text', async () => {
    start('tui', 'tui');
    let captured = await until('tui', /NOTE +stdio_non_jsonrpc/, 'TUI table');
    let text = assertClean(captured, 'TUI table');
    assert.match(text, /notices 3/);
    assert.match(text, /evil\.example\\rG/);
    assert.match(text, /denied \\x9b31m\\u202eevil/);
    // Every row's detail view, from the last row up.
    for (let i = 0; i < 9; i++) {
      tmux('send-keys', '-t', 'tui', 'Enter');
      captured = await until('tui', /esc back/, `detail view ${i}`);
      text = assertClean(captured, `detail view ${i}`);
      tmux('send-keys', '-t', 'tui', 'Escape');
      await until('tui', /TIME +TRANS +TYPE/, 'back to the table');
      tmux('send-keys', '-t', 'tui', 'Up');
    }
    tmux('send-keys', '-t', 'tui', 'q');
    await until('tui', /exit=0/, 'the TUI exits after q');
  });
});
