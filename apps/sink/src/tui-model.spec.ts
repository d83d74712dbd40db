process.env.TZ = 'UTC';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TuiModel } from './tui-model';
import { alert, burst, httpRequest, httpResponse, notice, probeStats, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

/** A model holding one conversation of each kind plus an alert, on a fixed clock. */
function loaded(opts: { onQuit?: () => void } = {}) {
  let now = 10_000;
  const model = new TuiModel({ now: () => now, onQuit: opts.onQuit });
  model.setSize(120, 16);
  model.addMessage(stdioNotification());
  model.addMessage(stdioRequest({ msg_id: 'i:1' }));
  model.addMessage(stdioResponse());
  model.addMessage(stdioError());
  model.addMessage(httpRequest());
  model.addMessage(httpResponse());
  model.addAlert(alert());
  return { model, tick: (ms: number) => (now += ms) };
}

const rowsOf = (m: TuiModel) => m.text().split('\n').slice(3, -1).filter((l) => l.trim() !== '');
const selectedLine = (m: TuiModel) => m.text().split('\n').find((l) => l.startsWith('›'));

describe('TuiModel table', () => {
  test('shows every message with time, transport, type, method/tool, route and details', () => {
    const { model } = loaded();
    const rows = rowsOf(model);
    assert.equal(rows.length, 7);
    assert.match(rows[1], /^ ▲ 12:34:56\.789 stdio REQ  tools\/call \(get_weather\) +python\[12345\] → python\[12346\] +id=7 Execute a tool$/);
    assert.match(rows[3], /ERR  tools\/destroy .* id=8 -32601 Method not fo/);
    assert.match(rows[4], /http  REQ  resources\/read .*node\[47837\] → 127\.0\.0\.1:3000/);
    assert.match(rows[5], /127\.0\.0\.1:3000 → node\[47837\] +id=abc OK$/);
  });

  test('security alerts are visible: their own row, a marker on the message, a count in the stats bar', () => {
    const { model } = loaded();
    const text = model.text();
    assert.match(text, /alerts 1/);
    assert.match(text, /ALRT HIGH prompt_injection/);
    assert.match(rowsOf(model)[1], /^ ▲/, 'the request the alert names is marked');
    assert.match(rowsOf(model)[2], /^ {3}/, 'its response is not');
  });

  test('stats bar: rate over the last second, counts per method, probe drops', () => {
    const { model, tick } = loaded();
    tick(1000);
    model.setProbeStats(probeStats());
    model.setStageStats({ timestamp: 'x', stage: 'mcp-parser', counters: { messages_in: 10, invalid: 4 } });
    const bar = model.text().split('\n').slice(0, 2).join('\n');
    assert.match(bar, /6 msgs {2}6 msg\/s {2}alerts 1 {2}drops 5 {2}gaps 1 {2}stage drops 4/);
    assert.match(bar, /tools\/call 2 {2}resources\/read 2/);
    tick(2000);
    assert.match(model.text(), / 0 msg\/s/);
  });

  test('follows the tail until the selection moves; G returns to following', () => {
    const { model } = loaded();
    assert.match(selectedLine(model)!, /ALRT/);
    model.key('', { upArrow: true });
    model.key('k');
    assert.match(selectedLine(model)!, /REQ  resources\/read/);
    model.addMessage(stdioNotification({ method: 'notifications/progress' }));
    assert.match(selectedLine(model)!, /REQ  resources\/read/, 'new messages do not steal the selection');
    assert.match(model.text(), /SCROLL/);
    model.key('G');
    assert.match(selectedLine(model)!, /notifications\/progress/);
    assert.match(model.text(), /FOLLOW/);
    model.key('g');
    assert.match(selectedLine(model)!, /notifications\/initialized/);
  });

  test('scrolls to keep the selection on screen', () => {
    const model = new TuiModel();
    model.setSize(100, 10);
    for (const m of burst(50)) model.addMessage(m);
    assert.match(selectedLine(model)!, /id=49 /);
    model.key('', { pageUp: true });
    model.key('', { pageUp: true });
    assert.match(selectedLine(model)!, /id=39 /);
    model.key('g');
    assert.match(rowsOf(model)[0], /id=0 /);
    assert.equal(rowsOf(model).length, 6);
  });
});

describe('TuiModel detail view', () => {
  test('Enter shows the pretty JSON of the message and of its paired response; Esc goes back', () => {
    const { model } = loaded();
    model.setSize(120, 200);
    for (let i = 0; i < 5; i++) model.key('', { upArrow: true });
    model.key('', { return: true });
    const text = model.text();
    assert.equal(model.mode, 'detail');
    assert.match(text, /── alert HIGH prompt_injection 0\.93 \(rules\): Instruction override[^\n]*\n  params\.arguments\.city \[ignore-previous\] "ignore all previous instructions"/);
    assert.match(text, /── message \(REQ tools\/call \(get_weather\)\) ──\n\{\n {2}"timestamp": "2024-01-15T12:34:56\.789Z",/);
    assert.match(text, /── paired response ──[\s\S]*"text": "Weather in New York: 20°C"/);
    assert.match(text, /── raw ──\n\{"jsonrpc":"2\.0","id":7,"method":"tools\/call"/);
    model.key('', { escape: true });
    assert.equal(model.mode, 'table');
    assert.match(selectedLine(model)!, /REQ  tools\/call/);
  });

  test('a response shows its paired request; an HTTP pair is found by connection', () => {
    const { model } = loaded();
    model.setSize(120, 200);
    model.key('', { upArrow: true });
    model.key('', { return: true });
    assert.match(model.text(), /── message \(RESP resources\/read[\s\S]*── paired request ──\n\{\n {2}"timestamp": "2024-01-15T12:34:58\.100Z"/);
  });

  test('the detail view scrolls', () => {
    const { model } = loaded();
    model.setSize(120, 8);
    model.key('g');
    model.key('j');
    model.key('', { return: true });
    const first = model.text().split('\n')[1];
    model.key('', { downArrow: true });
    assert.notEqual(model.text().split('\n')[1], first);
    assert.match(model.text(), /lines 2-7 of \d+/);
  });
});

describe('TuiModel filters', () => {
  test('transport and type cycle', () => {
    const { model } = loaded();
    model.key('t');
    assert.deepEqual(
      rowsOf(model).map((r) => r.slice(16, 26)),
      ['stdio NOTF', 'stdio REQ ', 'stdio RESP', 'stdio ERR ', 'stdio ALRT'],
    );
    model.key('t');
    assert.equal(rowsOf(model).length, 2);
    model.key('t');
    model.key('y');
    assert.equal(rowsOf(model).length, 2, 'REQ');
    assert.ok(rowsOf(model).every((r) => / REQ /.test(r)));
    model.key('y');
    model.key('y');
    model.key('y');
    assert.deepEqual(rowsOf(model).length, 1, 'ERR');
    model.key('y');
    assert.match(rowsOf(model)[0], /ALRT/);
    assert.match(model.text(), /\[type=ALRT\] 1 shown/);
  });

  test('method and process prompts; Esc cancels; backspace edits', () => {
    const { model } = loaded();
    model.key('m');
    assert.equal(model.mode, 'prompt');
    for (const ch of 'tools/callx') model.key(ch);
    model.key('', { backspace: true });
    assert.match(model.text().split('\n').at(-1)!, /method: tools\/call█/);
    model.key('', { return: true });
    assert.equal(rowsOf(model).length, 3);
    model.key('p');
    for (const ch of '47837') model.key(ch);
    model.key('', { escape: true });
    assert.equal(rowsOf(model).length, 3, 'cancelled');
    model.key('c');
    model.key('p');
    for (const ch of '47837') model.key(ch);
    model.key('', { return: true });
    assert.equal(rowsOf(model).length, 2);
  });

  test('search looks into the raw message text', () => {
    const { model } = loaded();
    model.key('/');
    for (const ch of 'New York') model.key(ch);
    model.key('', { return: true });
    assert.equal(rowsOf(model).length, 2, 'the request and the response mention New York');
    assert.match(model.text(), /search~New York/);
  });

  test('alerts only, including an alert that arrives later for a message already shown', () => {
    const { model } = loaded();
    model.key('a');
    assert.equal(rowsOf(model).length, 2);
    model.addMessage(stdioRequest({ msg_id: 'i:9', id: 9 }));
    assert.equal(rowsOf(model).length, 2);
    model.addAlert(alert({ risk: 'critical', message: { ...alert().message, msg_id: 'i:9', id: 9 } }));
    assert.equal(rowsOf(model).length, 4);
  });

  test('keys that arrive in one chunk are separate commands outside a prompt', () => {
    const { model } = loaded();
    model.key('tt');
    assert.match(model.text(), /\[transport=http\] 2 shown/);
    model.key('/');
    model.key('tt');
    assert.match(model.text().split('\n').at(-1)!, /search: tt█/);
  });

  test('q typed in a prompt is text, not quit', () => {
    let quits = 0;
    const { model } = loaded({ onQuit: () => quits++ });
    model.key('/');
    model.key('q');
    assert.equal(quits, 0);
    model.key('', { escape: true });
    model.key('q');
    assert.equal(quits, 1);
    model.key('c', { ctrl: true });
    assert.equal(quits, 2);
  });
});

describe('TuiModel pause, density, bounds', () => {
  test('pause freezes the table and keeps what arrives; resume shows it', () => {
    const { model } = loaded();
    model.key(' ');
    model.addMessage(stdioNotification({ method: 'notifications/progress' }));
    model.addMessage(stdioNotification({ method: 'notifications/message' }));
    assert.equal(rowsOf(model).length, 7);
    assert.match(model.text(), /PAUSED \+2/);
    model.key(' ');
    assert.equal(rowsOf(model).length, 9);
    assert.match(selectedLine(model)!, /notifications\/message/);
  });

  test('density changes the columns', () => {
    const { model } = loaded();
    const header = () => model.text().split('\n')[2];
    assert.match(header(), /TRANS .*DETAILS/);
    model.key('d');
    assert.doesNotMatch(header(), /TRANS|DETAILS/);
    assert.match(model.text(), /compact/);
    model.key('d');
    assert.match(header(), /TRANS .*DETAILS/);
    assert.match(model.text(), /wide/);
  });

  test('history is bounded and pairing survives eviction of old rows', () => {
    const model = new TuiModel({ maxRows: 1000 });
    for (const m of burst(5000)) model.addMessage(m);
    assert.ok(model.visibleRows().length <= 1125, `${model.visibleRows().length} rows kept`);
    assert.equal(model.visibleRows().at(-1)!.message!.id, 4999);
    assert.equal(model.total, 5000);
    model.key('g');
    model.key('', { return: true });
    assert.equal(model.mode, 'detail');
  });

  test('every screen line fits the width', () => {
    const { model } = loaded();
    for (const w of [40, 80, 200]) {
      model.setSize(w, 20);
      for (const d of [0, 1, 2]) {
        for (const line of model.screen()) assert.ok(line.reduce((n, s) => n + s.text.length, 0) <= w, `width ${w} density ${d}`);
        model.key('d');
      }
    }
  });
});

describe('TuiModel notices', () => {
  test('a notice is a row of its own and a count in the header; a higher count updates its row', () => {
    const { model } = loaded();
    assert.doesNotMatch(model.text(), /notices/, 'no notice, no count');
    model.setSize(200, 16);
    model.addNotice(notice());
    let text = model.text();
    assert.match(text, /alerts 1 {2}notices 1 {2}drops/);
    assert.match(rowsOf(model).at(-1)!, /^›⚠ 12:34:56\.500 - +NOTE stdio_non_jsonrpc +python\[12346\] +bytes that are not JSON-RPC on stdout before a message \[Server ready\\n\]$/);
    model.addNotice(notice({ count: 12 }));
    text = model.text();
    assert.match(text, /notices 1 /, 'the same notice with a higher count is not a new row');
    assert.match(rowsOf(model).at(-1)!, /\[Server ready\\n\] ×12$/);
    model.addNotice(notice({ stream: 'stdio:999:1', pid: 999 }));
    assert.match(model.text(), /notices 2 /);
  });

  test('a notice row evicted from history: a later count gets a new row', () => {
    const model = new TuiModel({ maxRows: 100 });
    model.setSize(200, 20);
    model.addNotice(notice());
    for (const m of burst(300)) model.addMessage(m);
    assert.ok(!model.visibleRows().some((r) => r.type === 'NOTE'), 'evicted');
    model.addNotice(notice({ count: 9 }));
    const notes = model.visibleRows().filter((r) => r.type === 'NOTE');
    assert.equal(notes.length, 1);
    assert.match(notes[0].details, /×9$/);
  });

  test('the type filter and search reach notices; the detail view shows the whole notice', () => {
    const { model } = loaded();
    model.addNotice(notice({ reason: 'tls_unhooked', stage: 'probe', comm: 'curl', pid: 77, detail: 'TLS handshake by a library no probe hooks', sample: undefined }));
    for (let i = 0; i < 6; i++) model.key('y');
    assert.match(model.text(), /\[type=NOTE\] 1 shown/);
    assert.match(rowsOf(model)[0], /NOTE tls_unhooked +curl\[77\]/);
    model.key('', { return: true });
    const detail = model.text();
    assert.match(detail, /── notice ──/);
    assert.match(detail, /"stage": "probe"/);
    model.key('', { escape: true });
    model.key('c');
    model.key('/');
    for (const ch of 'library no probe') model.key(ch);
    model.key('', { return: true });
    assert.equal(model.visibleRows().length, 1);
  });
});
