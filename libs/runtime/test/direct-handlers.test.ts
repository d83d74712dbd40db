/**
 * Direct handlers: a real Nest microservice on the BusServer over the
 * in-process Bus. A plain `@Payload()`/`@Ctx()` handler is called straight
 * (a synchronous one has the message when publish returns); a handler with a
 * pipe or a payload property keeps Nest's path, and its pipe still applies.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Module, PipeTransform, UsePipes } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { BusContext, BusServer, InProcessBus } from '../src';
import { directHandlers } from '../src/bus/direct-handlers';

const seen: Array<{ where: string; value: unknown; subject?: string }> = [];

class Upper implements PipeTransform {
  transform(v: unknown): unknown {
    return typeof v === 'string' ? v.toUpperCase() : v;
  }
}

@Controller()
class PlainController {
  @EventPattern('t.plain')
  onPlain(@Payload() p: unknown, @Ctx() ctx: BusContext): void {
    seen.push({ where: 'plain', value: p, subject: ctx.getSubject() });
  }

  @EventPattern('t.ctx-first')
  onCtxFirst(@Ctx() ctx: BusContext, @Payload() p: unknown): void {
    seen.push({ where: 'ctx-first', value: p, subject: ctx.getSubject() });
  }

  @EventPattern('t.async')
  async onAsync(@Payload() p: unknown): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    seen.push({ where: 'async', value: p });
  }

  @EventPattern('t.throws')
  onThrows(): void {
    throw new Error('handler failed');
  }

  @EventPattern('t.pipe')
  @UsePipes(new Upper())
  onPipe(@Payload() p: unknown): void {
    seen.push({ where: 'pipe', value: p });
  }

  @EventPattern('t.property')
  onProperty(@Payload('name') name: unknown): void {
    seen.push({ where: 'property', value: name });
  }
}

@Module({ controllers: [PlainController] })
class TestModule {}

describe('BusServer direct handlers', () => {
  test('plain handlers are called straight; handlers with a pipe or a payload property keep Nest', async () => {
    const bus = new InProcessBus();
    const server = new BusServer({ bus });
    const app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    const direct = directHandlers(app);
    assert.deepEqual([...direct.keys()].sort(), ['t.async', 't.ctx-first', 't.plain', 't.throws']);
    server.useDirect(direct);
    await app.listen();
    try {
      await bus.publish('t.plain', 'a');
      assert.deepEqual(seen, [{ where: 'plain', value: 'a', subject: 't.plain' }], 'handled inside publish, with its context');
      await bus.publish('t.ctx-first', 'b');
      assert.deepEqual(seen[1], { where: 'ctx-first', value: 'b', subject: 't.ctx-first' });
      await bus.publish('t.pipe', 'c');
      await bus.publish('t.property', { name: 'n' });
      await bus.publish('t.async', 'd');
      await bus.publish('t.throws', 'e');
      await bus.flush();
      // Different subscriptions: no order between them.
      assert.deepEqual(
        seen
          .slice(2)
          .map((s) => `${s.where}=${String(s.value)}`)
          .sort(),
        ['async=d', 'pipe=C', 'property=n'],
      );
      assert.equal(bus.counters.get('handler_errors'), 1);
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
