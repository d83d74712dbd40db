/**
 * The offline detector: weighted rules (injection-rules.ts) and Unicode
 * checks (unicode-rules.ts) over every extracted text. Within a category,
 * distinct rules combine as independent evidence (1 - Π(1 - w)), so one
 * strong rule or several weak ones raise an alert but a single weak cue
 * does not. In tool, prompt and resource definitions every finding is tool
 * poisoning: that text is read by the model and rarely by the user.
 */
import type { AlertCategory, AlertEvidence } from '@mcpspy/events';
import { INJECTION_RULES, InjectionRule } from '../injection-rules';
import { normalizeForMatch, originalSpan } from '../normalize';
import { TriggerIndex } from '../trigger-index';
import { scanUnicode } from '../unicode-rules';
import { AnalysisInput, clip, Detector, Finding, TextUnit } from '../types';

export interface Hit {
  category: AlertCategory;
  rule: string;
  weight: number;
  evidence: AlertEvidence;
  summary: string;
}

const MAX_WEIGHT = 0.97;
/** Cues that a quoted phrase is being discussed (docs, detectors, write-ups) rather than addressed to the model. */
const META_CUE = /(?:such as|like|e\.g\.|for example|for instance|example|phrases?|patterns?|strings?|detects?|detecting|detection|flags?|classif|attacks?|known|common|typical|payloads?|signatures?|blocklist|denylist|matches|called|named)\W{0,3}[^.\n]{0,12}$/;
const QUOTES = '"\'`\u201c\u201d\u2018\u2019\u00ab\u00bb';

function quotedDiscussion(norm: string, start: number, end: number): boolean {
  const before = norm.slice(Math.max(0, start - 3), start);
  const after = norm.slice(end, end + 40);
  const opened = [...before].some((c) => QUOTES.includes(c));
  if (!opened) return false;
  const closes = [...after].some((c) => QUOTES.includes(c));
  if (!closes) return false;
  return META_CUE.test(norm.slice(Math.max(0, start - 120), Math.max(0, start - 1)));
}

export class RulesDetector implements Detector {
  readonly name = 'rules';

  private readonly index: TriggerIndex;
  /** Reused per text: which rules have a trigger present. */
  private readonly fired: Uint8Array;

  constructor(private readonly rules: readonly InjectionRule[] = INJECTION_RULES) {
    this.index = new TriggerIndex(
      rules.map((r) => r.triggers),
      true,
    );
    this.fired = new Uint8Array(rules.length);
  }

  detect(input: AnalysisInput): Finding[] {
    return combineHits(this.scanTexts(input.texts), this.name);
  }

  /** All rule hits of the texts; exposed for the evaluation and the bench. */
  scanTexts(texts: readonly TextUnit[]): Hit[] {
    const hits: Hit[] = [];
    for (const unit of texts) this.scanOne(unit, hits);
    return hits;
  }

  private scanOne(unit: TextUnit, hits: Hit[]): void {
    const ctx = unit.context;
    const remap = (c: AlertCategory): AlertCategory => (ctx === 'definition' && c !== 'data_leak' ? 'tool_poisoning' : c);
    const hidden = unit.origin !== 'plain' && unit.origin !== 'json';
    if (unit.origin === 'unicode-tags') {
      hits.push({
        category: remap('prompt_injection'),
        rule: 'unicode_tag_payload',
        weight: 0.9,
        evidence: { text: clip(unit.text), field: unit.field, start: 0, end: unit.text.length, rule: 'unicode_tag_payload' },
        summary: 'instructions hidden in invisible tag characters',
      });
    }
    const norm = normalizeForMatch(unit.text);
    const t = norm.text;
    // One pass finds every trigger present; a rule's regex runs only when one of its own is there.
    const fired = this.fired;
    fired.fill(0);
    if (this.index.scan(t, fired) > 0) {
      for (let i = 0; i < this.rules.length; i++) {
        if (fired[i] === 0) continue;
        const rule = this.rules[i]!;
        const weight = rule.weight[ctx];
        if (weight > 0) this.runRule(rule, weight, unit, norm, hidden, remap, hits);
      }
    }
    for (const u of scanUnicode(unit.text)) {
      hits.push({
        category: remap('prompt_injection'),
        rule: u.rule,
        weight: u.weight,
        evidence: { text: clip(unit.text.slice(Math.max(0, u.start - 20), u.end + 20)), field: unit.field, start: u.start, end: u.end, rule: u.rule },
        summary: u.summary,
      });
    }
  }

  private runRule(
    rule: InjectionRule,
    weight: number,
    unit: TextUnit,
    norm: ReturnType<typeof normalizeForMatch>,
    hidden: boolean,
    remap: (c: AlertCategory) => AlertCategory,
    hits: Hit[],
  ): void {
    const t = norm.text;
    rule.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let best: { weight: number; start: number; end: number } | undefined;
    // Later matches may weigh more (a quoted example first, the real thing after), so look at a few.
    for (let n = 0; n < 8 && (m = rule.re.exec(t)) !== null; n++) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      let wgt = weight;
      if (rule.refine) wgt *= rule.refine(m, t);
      if (quotedDiscussion(t, m.index, m.index + m[0].length)) wgt *= 0.3;
      if (hidden) wgt += 0.1;
      if (!best || wgt > best.weight) best = { weight: wgt, start: m.index, end: m.index + m[0].length };
      if (wgt >= weight) break;
    }
    if (!best) return;
    const [s, e] = originalSpan(norm, best.start, best.end, unit.text.length);
    hits.push({
      category: remap(rule.category),
      rule: rule.id,
      weight: Math.min(MAX_WEIGHT, best.weight),
      evidence: { text: clip(unit.text.slice(s, e)), field: unit.field, start: s, end: e, rule: rule.id },
      summary: rule.summary,
    });
  }
}

/** Merges hits into one finding per category: strongest hit per rule, rules combined as independent evidence. */
export function combineHits(hits: readonly Hit[], detector: string): Finding[] {
  const byCat = new Map<AlertCategory, Map<string, Hit>>();
  for (const h of hits) {
    let rules = byCat.get(h.category);
    if (!rules) byCat.set(h.category, (rules = new Map()));
    const prev = rules.get(h.rule);
    if (!prev || h.weight > prev.weight) rules.set(h.rule, h);
  }
  const findings: Finding[] = [];
  for (const [category, rules] of byCat) {
    const list = [...rules.values()].sort((a, b) => b.weight - a.weight);
    let miss = 1;
    for (const h of list) miss *= 1 - h.weight;
    findings.push({
      category,
      score: Math.min(MAX_WEIGHT, 1 - miss),
      detector,
      evidence: list.slice(0, 8).map((h) => h.evidence),
      summary: list
        .slice(0, 3)
        .map((h) => h.summary)
        .filter((s, i, a) => a.indexOf(s) === i)
        .join('; '),
    });
  }
  return findings;
}
