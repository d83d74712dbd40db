/**
 * What a stage needs from its host process, injected into its Nest module:
 * the Bus, the Store, the settings, the logger and the metrics. The CLI builds
 * one runtime per process (embedded: shared by the five stages).
 */
import type { Logger } from 'pino';
import { Bus } from './bus/bus';
import { McpspyConfig } from './config';
import { Metrics } from './metrics';
import { Store } from './store/store';

export interface StageRuntime {
  config: McpspyConfig;
  bus: Bus;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** Embedded mode: stages share one process and one in-process Bus. */
  embedded: boolean;
  /** Replay of a capture file: time is the events' time, not the clock's. */
  replay: boolean;
  /** Called by a stage that wants the whole process to stop (TUI `q`, fatal probe error). */
  requestShutdown(reason: string, exitCode?: number): void;
}

export const RUNTIME = Symbol('MCPSPY_RUNTIME');

/**
 * Publishes a stage's counters on `mcpspy.v1.stage.stats.<stage>` every
 * interval (for the TUI's stats bar and other systems). Returns a stop function.
 */
export function publishStageStats(rt: StageRuntime, stage: string, snapshot: () => Record<string, number>, intervalMs = 2000): () => void {
  const timer = setInterval(() => {
    const ev = { timestamp: new Date().toISOString(), stage, instance: rt.config.instance, counters: snapshot() };
    rt.bus.publish(`mcpspy.v1.stage.stats.${stage}`, ev).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
