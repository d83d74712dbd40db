/**
 * The offline worker's batch as one string and one Int32Array, instead of an
 * object per message and per text. postMessage copies a string with one
 * memcpy and transfers the array's buffer, where a structured clone walks and
 * rebuilds every object (~2 µs per message of the process's CPU at 10k msg/s,
 * bench/README.md, session 4 round 2). The worker slices the texts back out.
 *
 * Layout of `meta`: [jobs, then per job: id, method length, direction length,
 * text count, then per text: field length, text length, context code,
 * origin code]. `chars` holds, per job, method + direction, then per text
 * field + text, in that order.
 */
import type { TextContext, TextsInput, TextUnit } from './types';

export interface PackedJobs {
  meta: Int32Array;
  chars: string;
}

const CONTEXTS: readonly TextContext[] = ['argument', 'result', 'definition'];
const ORIGINS: readonly TextUnit['origin'][] = ['plain', 'json', 'base64', 'percent', 'html', 'escape', 'unicode-tags'];
const CONTEXT_CODE = new Map(CONTEXTS.map((c, i) => [c, i]));
const ORIGIN_CODE = new Map(ORIGINS.map((o, i) => [o, i]));

/** The jobs packed; undefined when a text's context or origin has no code (the caller posts the objects). */
export function packJobs(jobs: ReadonlyArray<{ id: number; input: TextsInput }>): PackedJobs | undefined {
  let n = 1;
  for (const j of jobs) n += 4 + 4 * j.input.texts.length;
  const meta = new Int32Array(n);
  const parts: string[] = [];
  let k = 0;
  meta[k++] = jobs.length;
  for (const j of jobs) {
    const { method, direction, texts } = j.input;
    meta[k++] = j.id;
    meta[k++] = method.length;
    meta[k++] = direction.length;
    meta[k++] = texts.length;
    parts.push(method, direction);
    for (const t of texts) {
      const c = CONTEXT_CODE.get(t.context);
      const o = ORIGIN_CODE.get(t.origin);
      if (c === undefined || o === undefined || typeof t.field !== 'string' || typeof t.text !== 'string') return undefined;
      meta[k++] = t.field.length;
      meta[k++] = t.text.length;
      meta[k++] = c;
      meta[k++] = o;
      parts.push(t.field, t.text);
    }
  }
  return { meta, chars: parts.join('') };
}

/** The jobs of packJobs again (texts are slices of `chars`). Throws on a layout that does not add up. */
export function unpackJobs(p: PackedJobs): Array<{ id: number; input: TextsInput }> {
  const { meta, chars } = p;
  let k = 0;
  let at = 0;
  const take = (len: number): string => {
    if (len < 0 || at + len > chars.length) throw new RangeError('packed offline batch: lengths exceed its text');
    const s = chars.slice(at, at + len);
    at += len;
    return s;
  };
  const count = meta[k++] ?? 0;
  const out = new Array<{ id: number; input: TextsInput }>(count);
  for (let i = 0; i < count; i++) {
    if (k + 4 > meta.length) throw new RangeError('packed offline batch: truncated');
    const id = meta[k++]!;
    const ml = meta[k++]!;
    const dl = meta[k++]!;
    const nt = meta[k++]!;
    if (nt < 0 || k + 4 * nt > meta.length) throw new RangeError('packed offline batch: truncated');
    const method = take(ml);
    const direction = take(dl) as TextsInput['direction'];
    const texts = new Array<TextUnit>(nt);
    for (let t = 0; t < nt; t++) {
      const fl = meta[k++]!;
      const tl = meta[k++]!;
      const context = CONTEXTS[meta[k++]!];
      const origin = ORIGINS[meta[k++]!];
      if (context === undefined || origin === undefined) throw new RangeError('packed offline batch: unknown context or origin code');
      texts[t] = { field: take(fl), text: take(tl), context, origin };
    }
    out[i] = { id, input: { method, direction, texts } };
  }
  return out;
}
