/**
 * The composition root: the only place that knows every stage. Apps never
 * import each other; the command puts them together.
 */
import { DynamicModule } from '@nestjs/common';
import { StageName, StageRuntime } from '@mcpspy/runtime';
import { ProbeModule } from '@mcpspy/probe';
import { HttpSessionModule } from '@mcpspy/http-session';
import { McpParserModule } from '@mcpspy/mcp-parser';
import { SecurityModule } from '@mcpspy/security';
import { SinkModule } from '@mcpspy/sink';
import { WebModule } from '@mcpspy/web';

export const STAGE_MODULES: Record<StageName, (rt: StageRuntime) => DynamicModule> = {
  probe: (rt) => ProbeModule.register(rt),
  'http-session': (rt) => HttpSessionModule.register(rt),
  'mcp-parser': (rt) => McpParserModule.register(rt),
  security: (rt) => SecurityModule.register(rt),
  sink: (rt) => SinkModule.register(rt),
  web: (rt) => WebModule.register(rt),
};

/** Pipeline order: producers first. Start in reverse (consumers ready first), stop in this order. */
export const PIPELINE: readonly StageName[] = ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web'];
