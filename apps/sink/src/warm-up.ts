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
  let bytes = 0;
  // Each line is made from the event as decoded off the wire (the object shapes real ones have), then dropped.
  warmBatchCodec(Subjects.mcpMessage, syntheticMcpMessages(messages), rounds, (m) => {
    bytes += messageToJsonl(m as McpMessageEvent).length;
  });
  return bytes;
}
