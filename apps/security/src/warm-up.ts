/**
 * The warm-up of `mcpspy serve security` (see libs/runtime warm-up.ts): the
 * receive codec of mcp.message batches, then every event as decoded off the
 * wire through a throwaway SecurityEngine with its own MemoryStore (rug-pull
 * and toxic-flow state stay in it) and its rules in this thread (the real
 * engine's worker warms itself). Its alerts are dropped: nothing reaches
 * NATS, Redis or a counter of the stage. Its verdict cache is off: the
 * synthetic messages repeat, and a hit would leave the detectors cold.
 */
import { Subjects, type McpMessageEvent } from '@mcpspy/events';
import { MemoryStore, silentLogger, syntheticMcpMessages, warmBatchCodec } from '@mcpspy/runtime';
import { SecurityEngine } from './engine';

/** Returns how many messages the throwaway engine analyzed (the warm-up test checks it ran). */
export async function warmUpSecurity(messages = 2000, threshold = 0.5): Promise<number> {
  const events: McpMessageEvent[] = [];
  warmBatchCodec(Subjects.mcpMessage, syntheticMcpMessages(messages), 1, (m) => events.push(m as McpMessageEvent));
  const store = new MemoryStore();
  const engine = new SecurityEngine({ store, logger: silentLogger(), threshold, offlineWorker: false, cacheEntries: 0 });
  let analyzed = 0;
  try {
    await engine.init();
    for (const m of events) {
      await engine.analyze(m);
      analyzed++;
    }
  } finally {
    await engine.close();
    await store.close();
  }
  return analyzed;
}
