/** Every string of every corpus sample (apps/security/corpus), with the file it came from: the gate tests check on them. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCorpus } from '../src/corpus';

const dir = join(__dirname, '..', '..', 'corpus');

function stringsOf(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}

export function corpusStrings(): { source: string; text: string }[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f));
  return loadCorpus(files).flatMap((s) => stringsOf(s, []).map((text) => ({ source: s.source as string, text })));
}
