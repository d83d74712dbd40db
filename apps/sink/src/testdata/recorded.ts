import * as fs from 'node:fs';
import * as path from 'node:path';
import type { McpMessageEvent } from '@mcpspy/events';

// tsc does not copy fixtures: read them from the source tree (this file runs from dist/src/testdata).
const SRC = path.resolve(__dirname, '../../../src');
const REPO = path.resolve(__dirname, '../../../../..');

/** Every message line of the sink's golden file and of the replay goldens, parsed back into objects. */
export function recordedMessages(): McpMessageEvent[] {
  const files = [path.join(SRC, 'testdata/golden.jsonl')];
  const replay = path.join(REPO, 'apps/cli/testdata');
  if (fs.existsSync(replay)) for (const f of fs.readdirSync(replay)) if (f.endsWith('.jsonl')) files.push(path.join(replay, f));
  const out: McpMessageEvent[] = [];
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.type !== 'security_alert' && o.type !== 'notice') out.push(o as unknown as McpMessageEvent);
    }
  }
  return out;
}
