/**
 * /healthz reports a stage whose queue does not move: a real Nest stage on
 * the in-process Bus whose handler holds a message, checked through the same
 * Metrics the HTTP endpoint serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, DynamicModule, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { createRuntime, defaultConfig, silentLogger, startStage, stopStages } from '../src';

let release: () => void = () => undefined;
const held = () => new Promise<void>((r) => (release = r));

@Controller()
class HoldingController {
  @EventPattern('mcpspy.test.hold')
  async onHold(): Promise<void> {
    await held();
  }
}

@Module({ controllers: [HoldingController] })
class HoldingModule {}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

test('a handler that does not finish makes /healthz fail after the stall time, and recovery clears it', async () => {
  const config = { ...defaultConfig(), stallSeconds: 1 };
  const rt = await createRuntime({ config, logger: silentLogger(), embedded: true, name: 'health-test' });
  const app = await startStage('sink', { module: HoldingModule } as DynamicModule, rt);
  try {
    const check = () => rt.metrics.healthReport().checks['sink-queue'];
    assert.equal(check()?.ok, true, 'idle is healthy');
    void rt.bus.publish('mcpspy.test.hold', { n: 1 });
    const stalled = await waitFor(() => check()?.ok === false, 15_000);
    assert.ok(stalled, `stall reported: ${JSON.stringify(rt.metrics.healthReport())}`);
    assert.match(check()?.detail ?? '', /sink queue: no progress for \d+ s/);
    assert.equal(rt.metrics.healthReport().ok, false);
    release();
    assert.ok(await waitFor(() => check()?.ok === true, 15_000), 'progress clears the stall');
  } finally {
    release();
    await stopStages([app], rt);
  }
});
