/**
 * The ink TUI driven through ink-testing-library: the real component and
 * ink's real input parser, with the library's in-memory stdin/stdout in
 * place of a terminal.
 */
process.env.TZ = 'UTC';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as React from 'react';
import { TuiModel } from '../src/tui-model';
import { createTuiApp } from '../src/tui-view';
import { alert, httpRequest, httpResponse, stdioRequest, stdioResponse } from '../src/testdata/messages';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(frame: () => string | undefined, re: RegExp, what: string): Promise<string> {
  const t0 = Date.now();
  // A bound for a loaded machine: the loop returns as soon as the frame shows it.
  while (Date.now() - t0 < 30_000) {
    const f = frame() ?? '';
    if (re.test(f)) return f;
    await sleep(10);
  }
  assert.fail(`${what}: ${re} never showed; last frame:\n${frame()}`);
}

const KEYS = { up: '\u001b[A', down: '\u001b[B', enter: '\r', escape: '\u001b' };

describe('TUI through ink', () => {
  test('navigate, open a detail view, filter, alerts visible, q quits', async () => {
    const ink = await import('ink');
    const { render } = await import('ink-testing-library');
    let quits = 0;
    const model = new TuiModel({ onQuit: () => quits++ });
    const App = createTuiApp(ink);
    const ui = render(React.createElement(App, { model, fps: 50 }));
    try {
      await until(ui.lastFrame, /waiting for MCP traffic/, 'empty table');
      model.addMessage(stdioRequest({ msg_id: 'i:1' }));
      model.addMessage(stdioResponse());
      model.addMessage(httpRequest());
      model.addMessage(httpResponse());
      model.addAlert(alert());
      let frame = await until(ui.lastFrame, /ALRT HIGH prompt_inj/, 'alert row');
      assert.match(frame, /alerts 1/);
      assert.match(frame, /▲ 12:34:56\.789 stdio REQ +tools\/call \(get/);

      // Navigate up to the first request and open it.
      for (let i = 0; i < 4; i++) {
        ui.stdin.write(KEYS.up);
        await sleep(20);
      }
      frame = await until(ui.lastFrame, /›▲ 12:34:56\.789 stdio REQ/, 'selection on the request');
      ui.stdin.write(KEYS.enter);
      frame = await until(ui.lastFrame, /── message \(REQ tools\/call/, 'detail view');
      assert.match(frame, /"name": "get_weather"/);
      assert.match(frame, /── alert HIGH prompt_injection/);

      // The ESC byte alone is ambiguous until the parser's timeout; q also goes back from details.
      ui.stdin.write('q');
      frame = await until(ui.lastFrame, /TIME +TRANS/, 'back to the table');
      assert.equal(quits, 0, 'q in the detail view only closes it');

      // Filter to HTTP only.
      ui.stdin.write('t');
      await until(ui.lastFrame, /\[transport=stdio\]/, 'stdio filter');
      ui.stdin.write('t');
      frame = await until(ui.lastFrame, /\[transport=http\] 2 shown/, 'http filter');
      assert.doesNotMatch(frame, /get_weather/);
      assert.match(frame, /node\[47837\] → 127\.0\.0\.1:3000/);

      // Search through the prompt.
      ui.stdin.write('c');
      ui.stdin.write('/');
      await sleep(20);
      ui.stdin.write('motd');
      await until(ui.lastFrame, /search: motd█/, 'prompt echo');
      ui.stdin.write(KEYS.enter);
      frame = await until(ui.lastFrame, /\[search~motd\] 2 shown/, 'search applied');

      ui.stdin.write('q');
      const t0 = Date.now();
      while (quits === 0 && Date.now() - t0 < 30_000) await sleep(10);
      assert.equal(quits, 1);
    } finally {
      ui.unmount();
      ui.cleanup();
    }
  });

  test('a burst of 20k messages is coalesced into few renders', async () => {
    const ink = await import('ink');
    const { render } = await import('ink-testing-library');
    const model = new TuiModel();
    const App = createTuiApp(ink);
    const ui = render(React.createElement(App, { model, fps: 10 }));
    try {
      const before = ui.frames.length;
      for (let i = 0; i < 20_000; i++) model.addMessage(stdioRequest({ id: i, msg_id: `b:${i}` }));
      const frame = await until(ui.lastFrame, /20000 msgs/, 'final count');
      assert.match(frame, /id=19999 /);
      assert.ok(ui.frames.length - before <= 5, `${ui.frames.length - before} frames for 20k messages`);
    } finally {
      ui.unmount();
      ui.cleanup();
    }
  });
});
