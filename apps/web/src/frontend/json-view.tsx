/**
 * Pretty JSON as text nodes, with the evidence of alerts marked inside the
 * strings it was found in. Evidence names a field by its JSON path
 * (`result.tools[0].description`) and a character range of the decoded
 * string, so strings are shown decoded (controls and invisible characters
 * escaped by visibleText) rather than as JSON literals.
 */
import type { ComponentChildren } from 'preact';
import { visibleText } from '@mcpspy/events/display-text';

/** Character ranges to mark, per JSON path, with the rule that matched. */
export type Marks = Map<string, Array<[number, number, string]>>;

/**
 * The string cut at every range boundary; a piece covered by evidence is a
 * <mark> naming its rules, deeper when several ranges cover it (a whole-field
 * verdict does not hide the phrases found inside it).
 */
function markedString(s: string, ranges: Array<[number, number, string]> | undefined): ComponentChildren {
  const valid = (ranges ?? []).filter(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && b > a && a >= 0 && a < s.length);
  if (!valid.length) return visibleText(s);
  const cuts = [...new Set([0, s.length, ...valid.flatMap(([a, b]) => [a, Math.min(b, s.length)])])].sort((x, y) => x - y);
  const out: ComponentChildren[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    const over = valid.filter(([x, y]) => x <= a && y >= b);
    const text = visibleText(s.slice(a, b));
    if (!over.length) out.push(text);
    else
      out.push(
        <mark class={`evidence depth-${Math.min(over.length, 3)}`} title={visibleText(over.map((r) => r[2]).join(', '))}>
          {text}
        </mark>,
      );
  }
  return out;
}

function keyPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

const PAD = '  ';

function node(v: unknown, path: string, marks: Marks, depth: number, budget: { n: number }): ComponentChildren {
  if (--budget.n < 0) return <span class="j-cut">…</span>;
  if (v === null) return <span class="j-null">null</span>;
  if (typeof v === 'string') {
    return (
      <span class="j-str">
        "{markedString(v, marks.get(path))}"
      </span>
    );
  }
  if (typeof v === 'number' || typeof v === 'boolean') return <span class="j-lit">{String(v)}</span>;
  const pad = PAD.repeat(depth + 1);
  const close = PAD.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return [
      '[\n',
      ...v.flatMap((x, i) => [pad, node(x, `${path}[${i}]`, marks, depth + 1, budget), i < v.length - 1 ? ',\n' : '\n']),
      close,
      ']',
    ];
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return [
      '{\n',
      ...entries.flatMap(([k, x], i) => [
        pad,
        <span class="j-key">"{visibleText(k)}"</span>,
        ': ',
        node(x, keyPath(path, k), marks, depth + 1, budget),
        i < entries.length - 1 ? ',\n' : '\n',
      ]),
      close,
      '}',
    ];
  }
  return String(v);
}

/** `value` pretty-printed; at most `maxNodes` values (a huge message stays responsive). */
export function JsonView({ value, marks, maxNodes = 20000 }: { value: unknown; marks?: Marks; maxNodes?: number }) {
  return <pre class="json">{node(value, '', marks ?? new Map(), 0, { n: maxNodes })}</pre>;
}
