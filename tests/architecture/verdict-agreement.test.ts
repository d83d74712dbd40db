/**
 * The sink's synchronous mode holds a message until the security stage's
 * verdict; if the two disagreed on which messages are judged, an alert could
 * be written after its message (the bug this guards against). Both decide
 * from the one method table: this checks it over every method, type and
 * pairing state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_METHODS, methodsJudged, type McpMessageEvent } from '@mcpspy/events';
import { subjectOf } from '@mcpspy/security';
import { awaitsVerdict } from '@mcpspy/sink';

function message(over: Partial<McpMessageEvent>): McpMessageEvent {
  return { timestamp: '2026-12-06T00:00:00.000Z', transport_type: 'stdio', type: 'request', error: {}, raw: '{}', msg_id: 'x:1', ...over } as McpMessageEvent;
}

test('the sink holds exactly the messages the security stage judges', () => {
  const methods = [...KNOWN_METHODS, 'vendor/unknown', undefined];
  const results: unknown[] = [undefined, { tools: [] }, { content: [] }, { contents: [] }, { messages: [] }, { prompts: [] }, { resources: [] }, {}];
  let cases = 0;
  for (const method of methods) {
    for (const type of ['request', 'response', 'error', 'notification'] as const) {
      for (const paired of [true, false]) {
        for (const result of results) {
          const m = message({
            type,
            method: type === 'response' || type === 'error' ? undefined : method,
            request: paired && method ? { type: 'request', id: 1, method, error: {}, timestamp: '' } : undefined,
            result,
          });
          assert.equal(awaitsVerdict(m), subjectOf(m) !== undefined, `${type} ${method} paired=${paired} result=${JSON.stringify(result)}`);
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 500);
  // The table judges more than the four methods the sink once held on its own.
  assert.ok(methodsJudged().length >= 9, methodsJudged().join(','));
});
