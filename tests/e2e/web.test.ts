/**
 * The web view through the real entry point: `node bin/mcpspy.js --web
 * 127.0.0.1:0` as root with BPF, the SDK client and server of the fixtures
 * talking over stdio and streamable HTTP, the malicious server with
 * --security, and Debian's Chromium reading the page. Refused without
 * the token; with it the session appears live, its timeline renders, and a
 * tool named `<img src=x onerror=alert(1)>` is shown as text and runs nothing.
 * MCPSPY_WEB_SCREENSHOTS=DIR also saves screenshots of the main views there
 * (docs/ holds the committed ones).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Monitor, monitorSkipReason } from './harness';
import { FIXTURES, REPO_ROOT } from './paths';
import { startProcess, stopAll } from './proc';
import { scratchDir } from './tmp';
import { browserSkipReason, launchBrowser } from '@mcpspy/runtime/testing/chromium';
import { runNodeClient, startServer } from './peers';

declare const document: any;

after(stopAll);
const skip = monitorSkipReason() ?? browserSkipReason();
const HOSTILE = '<img src=x onerror=alert(1)>';

async function runClient(scenario: string): Promise<void> {
  const p = startProcess(`client-${scenario}`, process.execPath, [join(FIXTURES, 'client.mjs'), '--scenario', scenario, '--transport', 'stdio'], { cwd: REPO_ROOT });
  const code = await p.exited;
  assert.equal(code, 0, `client ${scenario}: ${p.stdout()} ${p.stderr()}`);
}

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.MCPSPY_WEB_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name) });
}

test('web view of live stdio and HTTP sessions under the real monitor', { skip, timeout: 180_000 }, async () => {
  const tmp = scratchDir('web');
  const monitor = await Monitor.start({
    output: join(tmp.dir, 'out.jsonl'),
    comms: ['mcpe2e-client', 'mcpe2e-server', 'mcpe2e-evil'],
    security: true,
    extraArgs: ['--web', '127.0.0.1:0', '--web-max-messages', '1000'],
  });
  const browser = await launchBrowser();
  try {
    const line = await monitor.proc.waitForLine(/^mcpspy: web view at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/, 10_000);
    const url = line.replace('mcpspy: web view at ', '');
    const base = url.replace(/\?token=.*$/, '');
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });

    // No token: every route and the stream are refused.
    for (const path of ['', 'app.js', 'api/stream', 'api/snapshot']) {
      const r = await page.goto(base + path);
      assert.equal(r?.status(), 401, `/${path}`);
    }

    // With the token: the page is live before any traffic, then the session appears as it happens.
    await page.goto(url);
    await page.locator('[data-connection=live]').waitFor({ timeout: 30_000 });
    await runClient('full');
    await page.locator('tr.row', { hasText: 'tools/call (echo)' }).first().waitFor({ timeout: 30_000 });
    await page.locator('tr.row', { hasText: 'completion/complete' }).nth(1).waitFor({ timeout: 30_000 });
    await page.locator('tr.row.kind-ERR', { hasText: 'resources/read (mcpe2e://docs/missing)' }).click();
    await page.locator('.detail-pane pre.json').waitFor();
    assert.match((await page.locator('.detail-pane pre.json').textContent()) ?? '', /-32602/);

    // The session's timeline: client and server lanes, a bar per call with its duration.
    await page.click('[data-view=sessions]');
    await page.locator('.lane-server .call').first().waitFor();
    const bars = await page.locator('.lane-server .call').allTextContents();
    assert.ok(bars.length >= 13, `calls on the server lane: ${bars.length}`);
    assert.ok(bars.some((b) => /^tools\/call slow_task · \d+ ms$/.test(b)), bars.join(' | '));
    assert.match((await page.locator('.lane-client .lane-name').textContent()) ?? '', /mcpe2e-client\[\d+\]/);
    assert.ok((await page.locator('.lane-server .note').count()) >= 6, 'progress and log notifications are ticks');
    await shot(page, 'web-sessions.png');

    await page.click('[data-view=tools]');
    await page.locator('table.tools tbody tr', { hasText: 'slow_task' }).waitFor();
    await shot(page, 'web-tools.png');

    // Alerts (--security) from the malicious fixture server, their evidence marked inside the message.
    await runClient('evil');
    await page.click('[data-view=alerts]');
    await page.locator('.alert', { hasText: 'tool_poisoning' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.alert', { hasText: 'prompt_injection' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.alert', { hasText: 'prompt_injection' }).first().locator('button.link').click();
    const marks = await page.locator('.detail-pane pre.json mark.evidence').allTextContents();
    assert.ok(marks.includes('Ignore all previous instructions'), `marked: ${marks.join(' | ')}`);
    await shot(page, 'web-messages.png');

    // A hostile tool name: text on the page, no element, no dialog.
    await page.click('[data-view=messages]');
    await runClient('hostile');
    const row = page.locator('tr.row.kind-REQ', { hasText: HOSTILE });
    await row.waitFor({ timeout: 30_000 });
    assert.ok(await row.isVisible());
    assert.equal(await page.locator('main img').count(), 0);
    await row.click();
    await page.locator('.detail-pane pre.json', { hasText: '<script>alert(2)</script>' }).waitFor();
    await page.click('[data-view=sessions]');
    await page.locator('.session-list li').nth(2).waitFor();
    await page.locator('.session-list li').first().click();
    await page.locator('.lane-server .call', { hasText: HOSTILE }).waitFor();
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, script:not([src])').length), 0);
    assert.deepEqual(dialogs, []);

    // Streamable HTTP: the session is keyed by Mcp-Session-Id; the client process and the server's host:port are the lanes.
    const server = await startServer('http');
    try {
      await runNodeClient({ scenario: 'full', transport: 'http', url: server.url });
    } finally {
      await server.stop();
    }
    const httpItem = page.locator('.session-list li', { hasText: /^http:/ }).first();
    await httpItem.waitFor({ timeout: 30_000 });
    await httpItem.click();
    await page.locator('.lane-server .call', { hasText: 'tools/call slow_task' }).waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.lane-server .lane-name').textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${server.port}`));
    assert.match((await page.locator('.lane-client .lane-name').textContent()) ?? '', /mcpe2e-client\[\d+\]/);
    assert.ok((await page.locator('.lane-server .call').count()) >= 10);
  } finally {
    await browser.close();
    await monitor.stop();
    tmp.remove();
  }
});
