/**
 * The warm-up of `mcpspy serve sink` (see libs/runtime warm-up.ts): the
 * receive codec of mcp.message batches (decode, validation) and the JSONL
 * line of each message, on synthetic messages whose lines are dropped.
 * Nothing is written to any output and no counter moves.
 */
import { Subjects, type McpMessageEvent } from '@mcpspy/events';
import { syntheticMcpMessages, warmBatchCodec } from '@mcpspy/runtime';
import { messageToJsonl } from './jsonl-format';

/** Returns the bytes of JSONL the warm-up made and dropped (the warm-up test checks it ran). */
export function warmUpSink(messages = 3000, rounds = 3): number {
  const events = syntheticMcpMessages(messages);
  warmBatchCodec(Subjects.mcpMessage, events, rounds);
  let bytes = 0;
  for (let r = 0; r < rounds; r++) for (const m of events) bytes += messageToJsonl(m as unknown as McpMessageEvent).length;
  return bytes;
}
