/**
 * The composition root: the only place that knows every stage. Apps never
 * import each other; the command puts them together.
 */
import { DynamicModule } from '@nestjs/common';
import { StageName, StageRuntime } from '@mcpspy/runtime';
import type { SinkOutput } from '@mcpspy/sink';

/**
 * Each stage's module, its package loaded on first use: a `mcpspy serve
 * <stage>` process holds only its own stage's code (every stage's packages
 * together cost a process ~12 MB of RSS more than one; bench/README.md).
 * Loaded with require, not import(): these packages are CommonJS, and Node
 * 20's import() of CommonJS reads the file asynchronously before running it;
 * under load a stage's namespace once came back without its exports
 * ("Cannot read properties of undefined (reading 'register')").
 */
export const STAGE_MODULES: Record<StageName, (rt: StageRuntime) => Promise<DynamicModule>> = {
  probe: async (rt) => pkg('@mcpspy/probe').ProbeModule.register(rt),
  'http-session': async (rt) => pkg('@mcpspy/http-session').HttpSessionModule.register(rt),
  'mcp-parser': async (rt) => pkg('@mcpspy/mcp-parser').McpParserModule.register(rt),
  security: async (rt) => pkg('@mcpspy/security').SecurityModule.register(rt),
  sink: async (rt) => pkg('@mcpspy/sink').SinkModule.register(rt, await sinkOutputs(rt)),
  web: async (rt) => pkg('@mcpspy/web').WebModule.register(rt),
};

/**
 * What `mcpspy serve <stage>` runs on synthetic events before its ready line
 * with MCPSPY_WARMUP=1 (libs/runtime warm-up.ts; off by default): the stage's own hot
 * paths in throwaway objects, so its first real messages meet optimized code.
 * Stages without an entry have no hot path worth it at start (the probe
 * copies ring records, http-session's stdio share is nil).
 */
export const STAGE_WARMUPS: Partial<Record<StageName, () => Promise<unknown> | unknown>> = {
  'mcp-parser': () => pkg('@mcpspy/mcp-parser').warmUpMcpParser(),
  security: () => pkg('@mcpspy/security').warmUpSecurity(),
  sink: () => pkg('@mcpspy/sink').warmUpSink(),
};

/** Each stage package's loader: one literal require per package, run on first use. */
const PACKAGES = {
  '@mcpspy/probe': () => require('@mcpspy/probe') as typeof import('@mcpspy/probe'),
  '@mcpspy/http-session': () => require('@mcpspy/http-session') as typeof import('@mcpspy/http-session'),
  '@mcpspy/mcp-parser': () => require('@mcpspy/mcp-parser') as typeof import('@mcpspy/mcp-parser'),
  '@mcpspy/security': () => require('@mcpspy/security') as typeof import('@mcpspy/security'),
  '@mcpspy/sink': () => require('@mcpspy/sink') as typeof import('@mcpspy/sink'),
  '@mcpspy/web': () => require('@mcpspy/web') as typeof import('@mcpspy/web'),
};

/** A stage package, loaded synchronously on first use (see STAGE_MODULES). */
export function pkg<N extends keyof typeof PACKAGES>(name: N): ReturnType<(typeof PACKAGES)[N]> {
  return PACKAGES[name]() as ReturnType<(typeof PACKAGES)[N]>;
}

/**
 * The sink's outputs beside JSONL/console/TUI: the per-method/tool Prometheus
 * series (always; served with --metrics-port) and, with --otlp, the
 * OpenTelemetry export (its counters under `stage="otlp"` in /metrics).
 */
export async function sinkOutputs(rt: StageRuntime): Promise<SinkOutput[]> {
  const { McpMetricsOutput, OtlpOutput } = pkg('@mcpspy/sink');
  const outputs: SinkOutput[] = [new McpMetricsOutput({ registry: rt.metrics.registry })];
  if (rt.config.otlp) {
    const otlp = new OtlpOutput({ logger: rt.logger.child({ stage: 'sink', output: 'otlp' }), endpoint: rt.config.otlpEndpoint });
    rt.metrics.addCounters('otlp', () => otlp.stats());
    outputs.push(otlp);
  }
  return outputs;
}

/** Pipeline order: producers first. Start in reverse (consumers ready first), stop in this order. */
export const PIPELINE: readonly StageName[] = ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web'];
