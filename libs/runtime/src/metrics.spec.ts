import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { EVENT_LOOP_LAG_SAMPLE_MS, eventLoopLagSampleMs, Metrics, StallWatch } from './metrics';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('StallWatch', () => {
  test('idle is healthy; work waiting without progress past the limit is a stall; progress clears it', () => {
    let t = 0;
    const s = { work: 0, done: 0, busy: false };
    const w = new StallWatch('probe drain', 30_000, () => s, () => t);
    assert.equal(w.check().ok, true);
    t = 120_000; // two idle minutes: nothing to do is not a stall
    assert.equal(w.check().ok, true);
    s.work = 10; // records emitted by the kernel, nothing drained
    t += 10_000;
    assert.equal(w.check().ok, true, 'not yet');
    t += 25_000;
    const r = w.check();
    assert.equal(r.ok, false);
    assert.match(r.detail ?? '', /probe drain: no progress for \d+ s/);
    s.done = 1;
    t += 1000;
    assert.equal(w.check().ok, true);
  });

  test('a handler that never finishes (busy) is a stall even without new work', () => {
    let t = 0;
    const s = { work: 1, done: 0, busy: true };
    const w = new StallWatch('sink queue', 5000, () => s, () => t);
    assert.equal(w.check().ok, true);
    t = 6000;
    assert.equal(w.check().ok, false);
  });
});

describe('event-loop lag gauges', () => {
  test('sample the loop at the period MCPSPY_EVENT_LOOP_LAG_MS gives (100: 10 wake-ups a second instead of 100)', () => {
    // prom-client reads the function off the module object when the default metrics are registered.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hooks = require('node:perf_hooks') as typeof import('node:perf_hooks');
    const original = hooks.monitorEventLoopDelay;
    const saved = process.env.MCPSPY_EVENT_LOOP_LAG_MS;
    const resolutions: number[] = [];
    hooks.monitorEventLoopDelay = ((o?: { resolution?: number }) => {
      resolutions.push(o?.resolution ?? 10);
      return original(o);
    }) as typeof original;
    try {
      process.env.MCPSPY_EVENT_LOOP_LAG_MS = '100';
      new Metrics();
      delete process.env.MCPSPY_EVENT_LOOP_LAG_MS;
      new Metrics();
    } finally {
      hooks.monitorEventLoopDelay = original;
      if (saved === undefined) delete process.env.MCPSPY_EVENT_LOOP_LAG_MS;
      else process.env.MCPSPY_EVENT_LOOP_LAG_MS = saved;
    }
    assert.deepEqual(resolutions, [100, EVENT_LOOP_LAG_SAMPLE_MS], 'the lag gauges are registered with the period asked for');
  });

  test('MCPSPY_EVENT_LOOP_LAG_MS sets another period; anything but a positive integer keeps the default', () => {
    assert.equal(eventLoopLagSampleMs({ MCPSPY_EVENT_LOOP_LAG_MS: '250' }), 250);
    for (const v of [undefined, '', '0', '-5', '2.5', 'soon']) assert.equal(eventLoopLagSampleMs({ MCPSPY_EVENT_LOOP_LAG_MS: v }), EVENT_LOOP_LAG_SAMPLE_MS, String(v));
  });
});

describe('metrics endpoint', () => {
  test('listens on 127.0.0.1 by default', async () => {
    const m = new Metrics();
    const port = await m.listen(0);
    try {
      const addr = (m as unknown as { server: { address(): { address: string } } }).server.address();
      assert.equal(addr.address, '127.0.0.1');
    } finally {
      await m.close();
    }
  });

  test('with a token, /metrics and /healthz need it; a stall makes /healthz 503', async () => {
    const m = new Metrics();
    m.addHealthCheck('probe', () => ({ ok: false, detail: 'probe drain: no progress for 31 s while work waits (5 new)' }));
    const port = await m.listen(0, '127.0.0.1', { token: 's3cr3t-token' });
    try {
      assert.equal((await get(port, '/metrics')).status, 401);
      assert.equal((await get(port, '/healthz')).status, 401);
      assert.equal((await get(port, '/metrics', { authorization: 'Bearer wrong-token!' })).status, 401);
      const ok = await get(port, '/metrics', { authorization: 'Bearer s3cr3t-token' });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /mcpspy_/);
      const h = await get(port, '/healthz', { authorization: 'Bearer s3cr3t-token' });
      assert.equal(h.status, 503);
      assert.match(h.body, /no progress/);
    } finally {
      await m.close();
    }
  });
});
