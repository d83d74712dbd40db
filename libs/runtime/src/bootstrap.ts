/**
 * Building a process's runtime (Bus, Store, metrics) from settings, and
 * starting or stopping a stage as a Nest microservice on the BusServer
 * strategy. Used by the `mcpspy` command for every mode and by each app's
 * main.ts, so a stage starts the same way everywhere.
 */
import { DynamicModule, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger, LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { Bus } from './bus/bus';
import { BusServer, BusServerOptions } from './bus/bus.server';
import { directHandlers } from './bus/direct-handlers';
import { InProcessBus } from './bus/in-process.bus';
import { NatsBus } from './bus/nats.bus';
import { CloseError } from './errors';
import { McpspyConfig, StageName } from './config';
import { Metrics, StallWatch } from './metrics';
import { StageRuntime } from './stage-runtime';
import { MemoryStore } from './store/memory.store';
import { RedisStore } from './store/redis.store';
import { Store } from './store/store';

export interface RuntimeOptions {
  config: McpspyConfig;
  logger: Logger;
  embedded: boolean;
  replay?: boolean;
  /** Connection name shown by NATS. */
  name: string;
}

/** Connects the Bus and the Store named by the settings (in-process / memory when absent). */
export async function createRuntime(opts: RuntimeOptions): Promise<StageRuntime & { shutdownRequests: ShutdownRequests }> {
  const { config, logger } = opts;
  let bus: Bus | undefined;
  let store: Store | undefined;
  try {
    bus = config.natsUrl ? await NatsBus.connect({ url: config.natsUrl, auth: config.natsAuth, name: opts.name, logger }) : new InProcessBus();
    store = config.redisUrl
      ? await RedisStore.connect({ url: config.redisUrl, auth: config.redisAuth, logger })
      : new MemoryStore({ maxKeys: 1_000_000 });
  } catch (err) {
    await bus?.close().catch(() => undefined);
    throw err;
  }
  const shutdownRequests = new ShutdownRequests();
  const metrics = new Metrics();
  metrics.addCounters('bus', bus.counters);
  return {
    config,
    bus,
    store,
    logger,
    metrics,
    embedded: opts.embedded,
    replay: opts.replay ?? false,
    requestShutdown: (reason, code) => shutdownRequests.request(reason, code),
    shutdownRequests,
  };
}

/** Lets any stage ask the process to stop; the host decides how. */
export class ShutdownRequests {
  private listener?: (reason: string, code: number) => void;
  private pending?: [string, number];

  request(reason: string, code = 0): void {
    if (this.listener) this.listener(reason, code);
    else this.pending = [reason, code];
  }

  onRequest(listener: (reason: string, code: number) => void): void {
    this.listener = listener;
    if (this.pending) listener(...this.pending);
  }
}

/** How each stage subscribes: work sharing, durable names, partitions. */
export function serverOptionsFor(stage: StageName, rt: StageRuntime): Omit<BusServerOptions, 'bus'> {
  const c = rt.config;
  switch (stage) {
    case 'probe':
      return {};
    case 'http-session':
      return { partitions: c.ownedPartitions };
    case 'mcp-parser':
      return { partitions: c.ownedPartitions, queue: 'mcp-parser' };
    case 'security':
      return { queue: 'security', durable: 'security' };
    case 'sink':
      // Each sink instance name has its own durable consumer: it resumes where it stopped.
      return { durable: `sink-${c.instance}` };
    case 'web':
      // Like a sink: its own durable consumer per instance, so it sees every message too.
      return { durable: `web-${c.instance}` };
  }
}

/** Starts one stage as a Nest microservice; resolves when it is subscribed. */
export async function startStage(stage: StageName, module: DynamicModule, rt: StageRuntime): Promise<INestMicroservice> {
  const nestLogger = rt.logger.child({ component: 'nest', stage });
  if (nestLogger.levelVal < 40) nestLogger.level = 'warn';
  @Module({
    imports: [LoggerModule.forRoot({ pinoHttp: { logger: nestLogger, autoLogging: false } }), module],
  })
  class StageRootModule {}
  Object.defineProperty(StageRootModule, 'name', { value: `${stage}-root` });
  const server = new BusServer({ bus: rt.bus, logger: rt.logger, ...serverOptionsFor(stage, rt) });
  // /healthz: a stage holding a message it does not finish for stallSeconds is stalled.
  const p = server.progress;
  rt.metrics.addHealthCheck(
    `${stage}-queue`,
    new StallWatch(`${stage} queue`, (rt.config.stallSeconds ?? 30) * 1000, () => ({ work: p.started, done: p.finished, busy: p.started > p.finished })).check,
  );
  const app = await NestFactory.createMicroservice(StageRootModule, {
    strategy: server,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(NestPinoLogger));
  server.useDirect(directHandlers(app));
  await app.listen();
  return app;
}

/**
 * Stops stages in pipeline order, letting the Bus drain after each one, so
 * what an upstream stage emitted while stopping still reaches the sink.
 */
export async function stopStages(apps: INestMicroservice[], rt: StageRuntime): Promise<void> {
  const failures: unknown[] = [];
  // A replay's input is complete: let every stage finish with it before the first one stops listening.
  if (rt.replay && rt.bus.settle) {
    const settled = await rt.bus.settle().catch((e) => (failures.push(e), true));
    if (!settled) rt.logger.warn('the stages did not finish the replay within 10 s: stopping anyway (the output may miss its end)');
  }
  for (const app of apps) {
    if (rt.replay) await rt.bus.settle?.().catch((e) => failures.push(e));
    await app.close().catch((e) => failures.push(e));
    await rt.bus.flush().catch((e) => failures.push(e));
  }
  await rt.bus.close().catch((e) => failures.push(e));
  await rt.store.close().catch((e) => failures.push(e));
  await rt.metrics.close().catch((e) => failures.push(e));
  if (failures.length) throw new CloseError('the stages', failures);
}
