/**
 * The offline detector: weighted rules (injection-rules.ts) and Unicode
 * checks (unicode-rules.ts) over every extracted text. Within a category,
 * distinct rules combine as independent evidence (1 - Π(1 - w)), so one
 * strong rule or several weak ones raise an alert but a single weak cue
 * does not. In tool, prompt and resource definitions every finding is tool
 * poisoning: that text is read by the model and rarely by the user.
 */
import { barsCaveats, evadesControl, JAILBREAK_TRIGGERS, jailbreakStructure, REFUSAL_TRIGGERS, suppressesRefusal, suspendsRules } from '../jailbreak-structure';
import { primedCompliance, type PrimedCompliance } from '../primed-compliance';
import { splicedRequest } from '../spliced-request';
import type { AlertCategory, AlertEvidence } from '@mcpspy/events';
import { INJECTION_RULES, InjectionRule } from '../injection-rules';
import { codeUnitsOf } from '../code-units';
import { normalizeForMatch, originalSpan } from '../normalize';
import { builtInLexicalModel, LexicalModel, lexicalScoreOfText, lexicalWeight } from '../lexical';
import { SHARED_SECRET_TRIGGERS } from '../shared-gates';
import { secretMaterialRegex } from '../secret-patterns';
import { TriggerIndex } from '../trigger-index';
import { forEachMatch } from '../windows';
import { scanUnicode } from '../unicode-rules';
import { clip, Detector, Finding, TextsInput, TextUnit } from '../types';

export interface Hit {
  category: AlertCategory;
  rule: string;
  weight: number;
  evidence: AlertEvidence;
  summary: string;
  /** The match sat in a quoted example or reported speech and was weighed down. */
  discussed?: boolean;
  /** Round 19f: every match of the rule in the text sat inside a quote in running text (a mention); see mentionsOnly. */
  mentionOnly?: boolean;
}

const MAX_WEIGHT = 0.97;
const NO_UNICODE_HITS: readonly ReturnType<typeof scanUnicode>[number][] = [];
/** Cues that a quoted phrase is being discussed (docs, detectors, write-ups) rather than addressed to the model. */
// ("example" inside a domain name — `l.brandt@example.org,"…"` in a CSV export — says nothing about the quote: round 10.)
const META_CUE = /(?:such as|like|e\.g\.|for example|for instance|(?<![@\w.-])example(?!\.[a-z])|phrases?|patterns?|strings?|detects?|detecting|detection|flags?|classif|attacks?|known|common|typical|payloads?|signatures?|blocklist|denylist|matches|called|named|wording|quote|quoting|(?:contain(?:s|ed|ing)?|includ(?:es|ed|ing)|(?:that|which) (?:read|said)) (?:the |a |this )?(?:line|sentence|text|comment|note|message|instruction|words?))\W{0,3}[^.\n]{0,12}$/;
/** What follows a quoted phrase that is being named rather than said: '"..." is a classic payload'. */
const POST_CUE = /^\W{0,3}\s*(?:is|are|was|were)?\s*(?:a |an |the )?(?:classic|common|known|typical|well-known|famous|textbook|standard|simple)?\s*(?:example|payload|attack|phrase|pattern|string|jailbreak|injection|trick|prompt injection)s?\b/;
/** Reported speech: "when the prompt says to ignore ...", "the page told the model to ...", "requests to print the hidden system message". */
export const REPORTED = /\b(?:says?|said|tells? (?:it|them|the (?:model|assistant|agent|ai|llm|bot))|told (?:it|them|the (?:model|assistant|agent|ai|llm|bot))|asks? (?:it|them|the (?:model|assistant|agent|ai|llm|bot))|asked (?:it|them|the (?:model|assistant|agent|ai|llm|bot))|instructs? (?:it|them|the (?:model|assistant|agent|ai|llm|bot)))\s+(?:to\s+)?$|\b(?:requests?|attempts?|attempted|tries|tried|trying|efforts?)\s+to\s+$|\b(?:asking|telling|instructing|getting)\s+(?:it|them|the (?:model|assistant|agent|ai|llm|bot|chatbot))\s+to\s+$|\b(?:(?:can|could|may|might|would|will|to) (?:instruct|tell|ask|get|trick|make|cause|lead|convince|coax)|(?:instructed|tricked|convinced|caused|coaxed|led|got|made))\s+(?:(?:the|a|an|any|other|connected|downstream|an agent's|the user's) )?(?:[a-z-]{2,20} )?(?:models?|assistants?|agents?|ais?|llms?|bots?|chatbots?|copilots?)\s+(?:in)?to\s+$/;
const MAX_QUOTE = 400;

/**
 * Rules whose match is a stock injection phrase ("ignore previous instructions", "you are now", "reveal your system
 * prompt"): the phrases people quote when they write about attacks. Round 15c: on 17 writers' labelled text and the
 * corpus, such a phrase sat wholly inside a pair of quote marks in running text in ~45 benign texts (guard prompts that
 * say what a member might write, detection rules, write-ups, tweets to translate) and in no attack. Left out: rules
 * whose match is an address, a path or a command (attacks quote those: address_the_ai, read_sensitive_file) and the
 * jailbreak persona rules (no_restrictions, dan, never_refuse, …): a jailbreak puts its persona's description in quotes
 * ("a character called 'Free' who has no rules"), and with them in the set the check set lost a jailbreak.
 */
const STOCK_PHRASE_RULES = new Set([
  'override_instructions', 'override_instructions_intl', 'override_instructions_intl2', 'override_your_instructions', 'forget_everything',
  'you_are_now', 'new_role', 'prompt_leak', 'prompt_leak_paraphrase', 'bypass_safeguard', 'conceal_change',
]);

/**
 * The vocabulary of a write-up about attacks (red-team reports, advisories, papers, postmortems). Two different terms
 * make a text *about* injections, which reads like one to an n-gram model: there the classifier corroborates at most.
 */
const WRITEUP = /\b(?:red[- ]team(?:ed|ing|ers?)?|testers?|pen[- ]?test(?:s|ing|ers?)?|guardrails?|mitigations?|owasp|vulnerabilit(?:y|ies)|threat model|postmortem|post-mortem|researchers?|adversarial|jailbreak(?:s|ing)? attempts?|(?:prompt )?injection attacks?|we (?:tested|tried|measured|found|study|propose|evaluated)|held up|(?:security )?advisor(?:y|ies)|cve-\d{4}-\d{3,7})\b/g;
export function readsLikeWriteUp(text: string): boolean {
  return writeUpTerms((text.length > 8192 ? text.slice(0, 8192) : text).toLowerCase());
}
/** readsLikeWriteUp on a text its caller has already cut to 8,192 characters and lower-cased. */
export function writeUpTerms(t: string): boolean {
  const seen = new Set<string>();
  WRITEUP.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WRITEUP.exec(t)) !== null) {
    seen.add(m[0].replace(/s$/, ''));
    if (seen.size >= 2) return true;
  }
  return false;
}

export interface QuoteSpan {
  open: number;
  close: number;
  /** Introduced as an example (docs, detectors, write-ups) rather than addressed to the model. */
  discussed: boolean;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
/** A letter or digit at t[i] (false past either end); ASCII without a regex. */
function isWordAt(t: string, i: number): boolean {
  if (i < 0 || i >= t.length) return false;
  const c = t.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);
  return WORD_CHAR.test(t[i]!);
}

/**
 * Session 17: one reading of a text's quote marks for the quote readers (quotedSpans here, mentionedInQuote beside it):
 * the positions of every quote mark (QUOTE_MARK's characters) and line break, found in one pass over the text's code
 * units, with the quoted spans worked out from them on first request. They asked the same text character by character
 * before (mentionedInQuote ran a regex on every character up to 300 either side of each match it was asked about). The
 * last four texts keep theirs (the rules, the classifier and the context cues ask about the same normalised text).
 */
interface QuoteReading {
  /** Positions of quote marks and line breaks, ascending. */
  marks: number[];
  spans?: QuoteSpan[];
}
/** 1 for QUOTE_MARK's characters and the line break, by code unit. */
const QUOTE_CODE = new Uint8Array(65536);
for (const c of '"\'`\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f\n') QUOTE_CODE[c.charCodeAt(0)] = 1;
const READING_SLOTS = 4;
const readingText: (string | undefined)[] = new Array<string | undefined>(READING_SLOTS).fill(undefined);
const readingOut: QuoteReading[] = Array.from({ length: READING_SLOTS }, () => ({ marks: [] }));
let readingNext = 0;

function quoteReading(t: string): QuoteReading {
  for (let i = 0; i < READING_SLOTS; i++) if (readingText[i] === t) return readingOut[i]!;
  const codes = codeUnitsOf(t);
  const marks: number[] = [];
  for (let i = 0, len = t.length; i < len; i++) if (QUOTE_CODE[codes[i]!] === 1) marks.push(i);
  const out: QuoteReading = { marks };
  if (t.length > 64 * 1024) return out;
  readingText[readingNext] = t;
  readingOut[readingNext] = out;
  readingNext = (readingNext + 1) % READING_SLOTS;
  return out;
}

/**
 * Quoted stretches of one line each. An apostrophe inside a word ("don't",
 * "user's") neither opens nor closes a quote. The answer is shared with the
 * next caller asking about the same text: do not modify it.
 */
export function quotedSpans(t: string): QuoteSpan[] {
  const r = quoteReading(t);
  return (r.spans ??= quotedSpansOf(t, r.marks));
}

function quotedSpansOf(t: string, marks: readonly number[]): QuoteSpan[] {
  const spans: QuoteSpan[] = [];
  let open = -1;
  // Character codes: " ` “ « ' ‘ and their closers ” » ’. Only the marks and line breaks are visited: an open quote
  // that outlives MAX_QUOTE is dropped at the next of them, where it was dropped at the next character before (nothing
  // but a mark or a line break reads it in between).
  let closer = 0;
  const len = t.length;
  for (const i of marks) {
    const c = t.charCodeAt(i);
    if (c === 10) {
      open = -1;
      continue;
    }
    if (open >= 0 && i - open > MAX_QUOTE) open = -1;
    if (open < 0) {
      if (c === 34 || c === 96 || c === 0x201c || c === 0xab) {
        open = i;
        closer = c === 0x201c ? 0x201d : c === 0xab ? 0xbb : c;
      } else if ((c === 39 || c === 0x2018) && !isWordAt(t, i - 1) && i + 1 < len && t.charCodeAt(i + 1) !== 32) {
        open = i;
        closer = c === 0x2018 ? 0x2019 : 39;
      }
    } else if (c === closer && (closer !== 39 && closer !== 0x2019 ? true : !isWordAt(t, i + 1))) {
      spans.push({ open, close: i, discussed: false });
      open = -1;
    }
  }
  for (let k = 0; k < spans.length; k++) {
    const sp = spans[k]!;
    const prev = spans[k - 1];
    sp.discussed =
      META_CUE.test(t.slice(Math.max(0, sp.open - 120), sp.open)) ||
      POST_CUE.test(t.slice(sp.close + 1, sp.close + 60)) ||
      // The rest of a list: "such as 'a', 'b' and 'c'".
      (prev !== undefined && prev.discussed && /^[\s,;/]*(?:(?:and|or|as well as)\s+)?$/.test(t.slice(prev.close + 1, sp.open)));
  }
  // A cue after the last item of a list covers the items before it.
  for (let k = spans.length - 2; k >= 0; k--) {
    const sp = spans[k]!;
    const next = spans[k + 1]!;
    if (!sp.discussed && next.discussed && /^[\s,;/]*(?:(?:and|or|as well as)\s+)?$/.test(t.slice(sp.close + 1, next.open))) sp.discussed = true;
  }
  return spans;
}

/**
 * Rules about links whose danger is that they are rendered or followed (an image that loads by itself, a URL template the
 * reader fills in). Inside inline code or a fenced block such a link is shown as text, neither loaded nor followed: a
 * write-up or a threat model showing the trick (round 15c: 3 benign texts on the tuning set and the corpus, no attack).
 */
const RENDERED_LINK_RULES = new Set(['markdown_image_query', 'link_with_placeholder']);
/** t[at] lies in inline code (an odd number of backticks before it on its line) or in a fenced block (an odd number of fences before it). */
export function insideCode(t: string, at: number): boolean {
  let ticks = 0;
  for (let i = at - 1; i >= 0 && t.charCodeAt(i) !== 10; i--) if (t.charCodeAt(i) === 96) ticks++;
  if (ticks % 2 === 1) return true;
  let fences = 0;
  for (let i = t.indexOf('```'); i >= 0 && i < at; i = t.indexOf('```', i + 3)) fences++;
  return fences % 2 === 1;
}

/**
 * Round 18f: a rendered-link match shown as an example rather than emitted: on a line indented as code (four spaces or a
 * tab), or right after an example cue ("such as", "e.g.", "like") in a text that reads as a write-up about attacks.
 */
function shownAsExample(t: string, at: number, quotes: { writeUp?: boolean }): boolean {
  const lineStart = t.lastIndexOf('\n', at - 1) + 1;
  if (/^(?: {4}|\t)/.test(t.slice(lineStart, lineStart + 4)) && lineStart > 0) return true;
  return META_CUE.test(t.slice(Math.max(0, at - 120), at)) && (quotes.writeUp ??= readsLikeWriteUp(t));
}

/** Quote marks: " ' ` and the typographic ones (“ ” „ ‟ ‘ ’ ‚ « » ‹ › 「 」 『 』). */
const QUOTE_MARK = /["'`\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f]/;
/** Just before an opening quote: a field's value (`user_agent="`, `"body": "`, `subject: '`), data carried rather than a phrase named. */
const VALUE_OPENER = /[\p{L}\p{N}_\]-]=\s*$|^\s*(?:[-*•]\s+)?["']?[\p{L}\p{N}_.-]{1,40}["']?\s*:\s*$|[{,\[]\s*["']?[\p{L}\p{N}_.-]{1,40}["']?\s*:\s*$/u;
/** Just before a quote: the reader is told to say it ("Reply with: \"…\"", "say exactly '…'"): the quote is the payload, used. */
const SAY_THIS = /\b(?:say|reply|respond|answer|output|print|write|type|repeat|return|begin|start|end|sign)(?:\s+(?:with|exactly|only|back|verbatim|the following|this|it|your (?:answer|reply|response)))*\s*:?\s*$/;
/** A quote that opens a list item: `- "…"`, `2. '…' (refused)` (a list of quoted strings). */
const LIST_ITEM = /^\s*(?:[-*•]|\d{1,3}[.)])\s*$/;
const QUOTE_REACH = 300;

/**
 * The nearest quote mark before [start, end) and the nearest after it, on its line and within QUOTE_REACH, as
 * mentionedInQuote reads them: [open, close], -1 for none (a line break first, or nothing in reach; close is -1 too when
 * the opening mark follows a word character). Read from quoteReading's marks, the marks and line breaks a walk over the
 * characters meets, in the same order.
 */
export function marksAround(t: string, start: number, end: number): [number, number] {
  const marks = quoteReading(t).marks;
  let open = -1;
  for (let k = firstMarkFrom(marks, start) - 1; k >= 0; k--) {
    const i = marks[k]!;
    if (start - i > QUOTE_REACH) break;
    if (t.charCodeAt(i) === 10) return [-1, -1];
    if (quoteMarkAt(t, i)) {
      open = i;
      break;
    }
  }
  if (open < 0 || isWordAt(t, open - 1)) return [open, -1];
  for (let k = firstMarkFrom(marks, end); k < marks.length; k++) {
    const i = marks[k]!;
    if (i - end > QUOTE_REACH) break;
    if (t.charCodeAt(i) === 10) return [open, -1];
    if (quoteMarkAt(t, i)) return [open, i];
  }
  return [open, -1];
}

/** The index of the first of `marks` (ascending) at or after `at` (marks.length when none). */
function firstMarkFrom(marks: readonly number[], at: number): number {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A quote mark at i; an apostrophe inside a word ("don't", "user's") is none. */
function quoteMarkAt(t: string, i: number): boolean {
  const c = t[i]!;
  if (!QUOTE_MARK.test(c)) return false;
  return !((c === "'" || c === '\u2019') && isWordAt(t, i - 1) && isWordAt(t, i + 1));
}

/**
 * The match [start, end) lies inside the nearest pair of quote marks around it on its line (nested quotes count: the
 * inner pair is the nearest), that pair sits in running text (two words outside it on the line) or opens a list item,
 * and it is not a field's value. Such a quote names the phrase (a mention) rather than says it to the reader.
 */
export function mentionedInQuote(t: string, start: number, end: number): boolean {
  const [open, close] = marksAround(t, start, end);
  if (open < 0 || close < 0) return false;
  if (isWordAt(t, close + 1)) return false;
  // A quoted name or literal ("#export-passwords", 'DAN') is no utterance: a mention quotes words someone says.
  if (!/\s/.test(t.slice(open + 1, close).trim())) return false;
  const lineStart = t.lastIndexOf('\n', open) + 1;
  const before = t.slice(lineStart, open);
  if (VALUE_OPENER.test(before) || SAY_THIS.test(before)) return false;
  let lineEnd = t.indexOf('\n', close);
  if (lineEnd < 0) lineEnd = t.length;
  const outside = before + ' ' + t.slice(close + 1, lineEnd);
  return LIST_ITEM.test(before) || (outside.match(/\p{L}{2,}/gu)?.length ?? 0) >= 2;
}

/**
 * Round 18j: a text spoken to the model by its user: a call's argument, or the content of a prompt's or a sampling
 * request's message (`messages[i].content`). Not a sampling request's system prompt (the server's persona), not a tool
 * result or a resource (data).
 */
const MESSAGE_CONTENT = /(?:^|\.)messages\[\d{1,6}\]\.content(?:$|[.[])/;
export function spokenToModel(unit: TextUnit): boolean {
  return unit.context === 'argument' || (unit.context === 'result' && MESSAGE_CONTENT.test(unit.field));
}

/** Weight of a spliced request (spliced-request.ts) in a message spoken to the model: alone it alerts. */
const SPLICED_WEIGHT = 0.6;

/** Round 19j: what each primed-compliance part says in an alert (verdict.ts reads the first two as the jailbreak's device). */
const PRIMED_SUMMARY: Record<PrimedCompliance['part'], string> = {
  forced_opening: 'dictates that the answer opens with a yes',
  fake_dialogue: 'a fake dialogue of agreed answers for the model to carry on',
  deceased_recital: 'asks the model to play a dead relative reciting something at bedtime',
};

/** Letters of scripts whose jailbreak parts hold no ASCII literal (accented and Vietnamese Latin, Cyrillic, Arabic, Devanagari, Thai, kana, CJK, Hangul). */
const WIDE_SCRIPT = /[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0980-\u09ff\u0900-\u097f\u0e00-\u0e7f\u1e00-\u1eff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/;

export class RulesDetector implements Detector {
  readonly name = 'rules';

  private readonly index: TriggerIndex;
  /** Reused per text: which rules have a trigger present. */
  private readonly fired: Uint8Array;

  private readonly lexical: LexicalModel | undefined;
  private readonly secretGroups: number;
  /** The trigger group of the jailbreak structure check. */
  private readonly jailbreakGroup: number;
  /** Secret gates of the texts scanned by the current detect() call. */
  private gates: Uint8Array[] | undefined;
  /** The last text scanOne normalised, for the lexical model to reuse. */
  private lastNorm: { src: string; norm: string } | undefined;

  /**
   * @param lexical the lexical model (default: the built-in one trained on the dev split); false turns it off.
   */
  constructor(
    private readonly rules: readonly InjectionRule[] = INJECTION_RULES,
    lexical: LexicalModel | false = builtInLexicalModel(),
  ) {
    this.lexical = lexical || undefined;
    // Groups 0..n-1 are the rules' triggers, n..2n-1 their `requires` lists (empty when absent),
    // then, with the built-in rules, the secret patterns' triggers for the secrets detector.
    this.secretGroups = rules === INJECTION_RULES ? SHARED_SECRET_TRIGGERS.length : 0;
    // The last group gates the jailbreak structure check (jailbreak-structure.ts).
    this.jailbreakGroup = rules.length * 2 + this.secretGroups;
    this.index = new TriggerIndex(
      [...rules.map((r) => r.triggers), ...rules.map((r) => r.requires ?? []), ...(this.secretGroups ? SHARED_SECRET_TRIGGERS : []), JAILBREAK_TRIGGERS, REFUSAL_TRIGGERS],
      true,
    );
    // ... and the one after it (round 16c) the refusal part alone (REFUSAL_TRIGGERS).
    this.fired = new Uint8Array(this.jailbreakGroup + 2);
  }

  detect(input: TextsInput): Finding[] {
    return this.detectGated(input).findings;
  }

  /**
   * The findings, and with the built-in rules the secret gates this pass
   * computed on the way (for each text, which SECRET_PATTERNS may match):
   * the caller hands them to SecretsDetector.detect of the same input, which
   * saves it a second trigger pass over every text (shared-gates.ts).
   */
  detectGated(input: TextsInput): { findings: Finding[]; secretGates?: Uint8Array[] } {
    this.gates = this.secretGroups ? [] : undefined;
    const hits = this.scanTexts(input.texts);
    const secretGates = this.gates;
    this.gates = undefined;
    if (input.direction === 'request') crossFieldExfiltration(input, hits);
    if (this.lexical) this.lexicalHit(input.texts, hits);
    return { findings: combineHits(hits, this.name), secretGates };
  }

  /** All rule hits of the texts; exposed for the evaluation and the bench. */
  scanTexts(texts: readonly TextUnit[]): Hit[] {
    const hits: Hit[] = [];
    for (const unit of texts) this.scanOne(unit, hits);
    return hits;
  }

  /** The lexical model's opinion of all texts of the message together, as one more weighted hit. */
  private lexicalHit(texts: readonly TextUnit[], hits: Hit[]): void {
    const words = texts.filter((u) => u.origin === 'plain' || u.origin === 'json');
    if (words.length === 0) return;
    // Text that discusses attacks reads like one; where the rules saw a discussion, the model does not get to overrule them.
    if (hits.some((h) => h.discussed)) return;
    // The single-text case (most messages) reuses the normalisation scanOne just did.
    const joined = words.length === 1 ? (this.lastNorm?.src === words[0]!.text ? this.lastNorm.norm : normalizeForMatch(words[0]!.text).text) : normalizeForMatch(words.map((u) => u.text).join('\n')).text;
    const p = lexicalScoreOfText(this.lexical!, joined);
    const weight = lexicalWeight(p);
    if (weight === 0) return;
    // Evidence points at the longest text (a tool's description rather than its name).
    let first = words[0]!;
    for (const u of words) if (u.text.length > first.text.length) first = u;
    // The model says "attack-like", not which kind: the strongest rule hit names the kind when there is one.
    let strongest: Hit | undefined;
    for (const h of hits) if (h.category !== 'data_leak' && (!strongest || h.weight > strongest.weight)) strongest = h;
    hits.push({
      category: strongest?.category ?? (first.context === 'definition' ? 'tool_poisoning' : 'prompt_injection'),
      rule: 'lexical_model',
      weight,
      evidence: { text: clip(first.text), field: first.field, start: 0, end: first.text.length, rule: 'lexical_model' },
      summary: `reads like an injection (lexical model p=${p.toFixed(2)})`,
    });
  }

  private scanOne(unit: TextUnit, hits: Hit[]): void {
    const from = hits.length;
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
    this.lastNorm = { src: unit.text, norm: t };
    // One pass finds every trigger present; a rule's regex runs only when one of its own is there.
    const fired = this.fired;
    fired.fill(0);
    const any = this.index.scan(t, fired) > 0;
    if (this.gates) this.gates.push(fired.slice(this.rules.length * 2, this.jailbreakGroup));
    // Quoted spans are worked out at most once per text, and only when some rule matched.
    const quotes: { spans?: QuoteSpan[]; writeUp?: boolean } = {};
    if (any) {
      const n = this.rules.length;
      for (let i = 0; i < n; i++) {
        if (fired[i] === 0) continue;
        const rule = this.rules[i]!;
        if (rule.requires && fired[n + i] === 0) continue;
        const weight = rule.weight[ctx];
        if (weight > 0) this.runRule(rule, weight, unit, norm, hidden, remap, hits, quotes);
      }
    }
    // Jailbreaks by structure (jailbreak-structure.ts): dropped rules, a new identity, coercion, a harmful request.
    // Round 16c: a text that opens only the refusal gate, or is in another script (the multilingual parts hold no ASCII
    // literal), runs the whole check only when a refusal is suppressed in it.
    if (ctx !== 'definition') {
      if (fired[this.jailbreakGroup] !== 0) this.jailbreakHit(unit, norm, hidden, hits, true);
      else if (fired[this.jailbreakGroup + 1] !== 0 || (norm.runs !== undefined && WIDE_SCRIPT.test(unit.text))) this.jailbreakHit(unit, norm, hidden, hits, false);
      if (hits.length > from && !hidden) this.mentionsOnly(unit, norm, hits, from);
      // Round 19j: the model's agreement written in advance (a dictated "Sure, here is", a fake dialogue of agreed answers
      // left open, a dead relative's bedtime recital to play), only in a message spoken to the model (primed-compliance.ts).
      if (spokenToModel(unit)) {
        this.primedHit(unit, norm, hidden, hits);
        this.splicedHit(unit, norm, hidden, hits);
      }
    }
    // Plain ASCII (no runs in its normalisation: most texts) holds none of the characters the Unicode checks look for.
    for (const u of norm.runs ? scanUnicode(unit.text) : NO_UNICODE_HITS) {
      hits.push({
        category: remap('prompt_injection'),
        rule: u.rule,
        weight: u.weight,
        evidence: { text: clip(unit.text.slice(Math.max(0, u.start - 20), u.end + 20)), field: unit.field, start: u.start, end: u.end, rule: u.rule },
        summary: u.summary,
      });
    }
  }

  private jailbreakHit(unit: TextUnit, norm: ReturnType<typeof normalizeForMatch>, hidden: boolean, hits: Hit[], gateOpen: boolean): void {
    // The raw text (only lower-cased) for the multilingual parts; the normalised one when lower-casing changed its length.
    const lower = unit.text.toLowerCase();
    const raw = lower.length === unit.text.length ? lower : undefined;
    const spoken = spokenToModel(unit);
    // Round 21j: in a message spoken to the model, a method asked to stay unseen by a control opens it too (evadesControl);
    // session 17 (jb25): so do caveats barred (barsCaveats).
    if (!gateOpen && (raw === undefined || (!suppressesRefusal(raw) && !suspendsRules(raw) && !(spoken && (evadesControl(raw) || barsCaveats(raw)))))) return;
    const js = jailbreakStructure(norm.text, raw, spoken);
    if (!js) return;
    // A write-up about jailbreaks names their parts; it is damped like a discussed quote.
    const discussed = readsLikeWriteUp(norm.text);
    const weight = Math.min(MAX_WEIGHT, js.weight * (discussed ? 0.3 : 1) + (hidden ? 0.1 : 0));
    const [s, e] = js.raw ? [js.start, js.end] : originalSpan(norm, js.start, js.end, unit.text.length);
    hits.push({
      category: 'jailbreak',
      rule: 'jailbreak_structure',
      weight,
      evidence: { text: clip(unit.text.slice(s, e)), field: unit.field, start: s, end: e, rule: 'jailbreak_structure' },
      summary: `asks the reader to drop its rules or identity (${js.parts.join(' + ')})`,
      ...(discussed ? { discussed: true } : {}),
    });
  }

  /** Session 17 (lang25): a question cut into numbered quoted pieces to be joined and answered, in any language (spliced-request.ts). */
  private splicedHit(unit: TextUnit, norm: ReturnType<typeof normalizeForMatch>, hidden: boolean, hits: Hit[]): void {
    const p = splicedRequest(unit.text);
    if (!p) return;
    const discussed = readsLikeWriteUp(norm.text);
    hits.push({
      category: 'jailbreak',
      rule: 'spliced_request',
      weight: Math.min(MAX_WEIGHT, SPLICED_WEIGHT * (discussed ? 0.3 : 1) + (hidden ? 0.1 : 0)),
      evidence: { text: clip(unit.text.slice(p.start, p.end)), field: unit.field, start: p.start, end: p.end, rule: 'spliced_request' },
      summary: `a request cut into ${p.pieces} numbered pieces to be joined`,
      ...(discussed ? { discussed: true } : {}),
    });
  }

  private primedHit(unit: TextUnit, norm: ReturnType<typeof normalizeForMatch>, hidden: boolean, hits: Hit[]): void {
    const lower = unit.text.toLowerCase();
    if (lower.length !== unit.text.length) return;
    const p = primedCompliance(lower);
    if (!p) return;
    const discussed = readsLikeWriteUp(norm.text);
    hits.push({
      category: 'jailbreak',
      rule: 'primed_compliance',
      weight: Math.min(MAX_WEIGHT, p.weight * (discussed ? 0.3 : 1) + (hidden ? 0.1 : 0)),
      evidence: { text: clip(unit.text.slice(p.start, p.end)), field: unit.field, start: p.start, end: p.end, rule: 'primed_compliance' },
      summary: PRIMED_SUMMARY[p.part],
      ...(discussed ? { discussed: true } : {}),
    });
  }

  private runRule(
    rule: InjectionRule,
    weight: number,
    unit: TextUnit,
    norm: ReturnType<typeof normalizeForMatch>,
    hidden: boolean,
    remap: (c: AlertCategory) => AlertCategory,
    hits: Hit[],
    quotes: { spans?: QuoteSpan[]; writeUp?: boolean },
  ): void {
    const t = norm.text;
    let best: { weight: number; start: number; end: number; discussed: boolean } | undefined;
    let seen = 0;
    // Round 19f: whether every match so far was a mention (inside a quote in running text, or already discussed).
    const mentionable = MENTIONABLE.has(rule.category) && !NOT_MENTIONABLE.has(rule.id) && unit.context !== 'definition';
    let mentionsOnly = mentionable;
    // Later matches may weigh more (a quoted example first, the real thing after), so look at a few.
    forEachMatch(rule.re, t, (m) => {
      let wgt = weight;
      if (rule.refine) wgt *= rule.refine(m, t);
      // A refine of 0 says the shape matched but the thing it looks for is not there.
      if (wgt <= 0) return ++seen < 8;
      const spans = (quotes.spans ??= quotedSpans(t));
      let discussed = true;
      if (spans.some((sp) => sp.discussed && m.index > sp.open && m.index < sp.close)) wgt *= 0.3;
      // Reported speech weighs half; inside a write-up about attacks (red-team reports, advisories) as little as a discussed quote.
      // (and as little in a text that lists quoted examples: "such as 'ignore previous instructions', or requests to reveal …")
      else if (REPORTED.test(t.slice(Math.max(0, m.index - 40), m.index))) wgt *= (quotes.writeUp ??= readsLikeWriteUp(t)) || spans.some((sp) => sp.discussed) ? 0.3 : 0.5;
      // A stock attack phrase in quotes inside a sentence is named, not said (round 15c).
      else if (STOCK_PHRASE_RULES.has(rule.id) && mentionedInQuote(t, m.index, m.index + m[0].length)) wgt *= 0.4;
      // A link shown as code is neither loaded nor followed (round 15c).
      // Round 18f: also a link named as an example in a write-up ("emit markdown such as ![](…)" in an advisory) or on an
      // indented code line.
      else if (RENDERED_LINK_RULES.has(rule.id) && (insideCode(t, m.index) || shownAsExample(t, m.index, quotes))) wgt *= 0.4;
      else discussed = false;
      // A full-weight match that is a mention keeps the search going: a later match may be said, not named.
      const mention = mentionable && !discussed && mentionedInQuote(t, m.index, m.index + m[0].length);
      if (!discussed && !mention) mentionsOnly = false;
      if (hidden) wgt += 0.1;
      if (!best || wgt > best.weight) best = { weight: wgt, start: m.index, end: m.index + m[0].length, discussed };
      return (wgt < weight || mention) && ++seen < 8;
    });
    if (!best) return;
    const [s, e] = originalSpan(norm, best.start, best.end, unit.text.length);
    hits.push({
      category: remap(rule.category),
      rule: rule.id,
      weight: Math.min(MAX_WEIGHT, best.weight),
      evidence: { text: clip(unit.text.slice(s, e)), field: unit.field, start: s, end: e, rule: rule.id },
      summary: rule.summary,
      ...(best.discussed ? { discussed: true } : {}),
      ...(mentionsOnly && !hidden ? { mentionOnly: true } : {}),
    });
  }

  /**
   * Round 19f: a text that only names attacks. When every injection or jailbreak rule that fired on this text matched
   * inside quotes in running text (`mentionedInQuote`: people paste the whole "you are now in developer mode" thing),
   * the jailbreak structure is gone once those quotes are blanked, and the text has words of its own outside them (at
   * least MENTION_MIN_WORDS, and the quotes under half of it), the text talks about the attacks it quotes: its hits weigh
   * like a discussed quote (×0.4, counted once). One hit said outside quotes, or an address to the AI, keeps them all.
   */
  private mentionsOnly(unit: TextUnit, norm: ReturnType<typeof normalizeForMatch>, hits: Hit[], from: number): void {
    let any = false;
    for (let i = from; i < hits.length; i++) {
      const h = hits[i]!;
      if (h.evidence.field !== unit.field || !MENTIONABLE.has(h.category)) continue;
      if (h.discussed) continue;
      if (h.rule === 'jailbreak_structure') continue;
      if (!h.mentionOnly) return;
      any = true;
    }
    const js = hits.findIndex((h, i) => i >= from && h.rule === 'jailbreak_structure' && h.evidence.field === unit.field && !h.discussed);
    if (!any && js < 0) return;
    const t = norm.text;
    const own = blankMentions(t);
    if (own.quoted === 0) return;
    const blanked = own.text;
    const quoted = own.quoted;
    if (quoted * 2 >= t.length || (blanked.match(/\p{L}{2,}/gu)?.length ?? 0) < MENTION_MIN_WORDS) return;
    // The structure reads the raw text (only lower-cased) too: its own quotes are blanked the same way.
    if (js >= 0) {
      const lower = unit.text.toLowerCase();
      const raw = lower.length === unit.text.length ? blankMentions(lower).text : undefined;
      if (jailbreakStructure(blanked, raw, spokenToModel(unit))) return;
    }
    // A text that tells its reader to act on what it quotes ("the policy now reads \"…\". Confirm and answer in full")
    // uses the quote: an order quoted as someone's words is still an order when the reader is asked to follow it.
    if (ACT_ON_QUOTE.test(blanked)) return;
    for (let i = from; i < hits.length; i++) {
      const h = hits[i]!;
      if (h.evidence.field !== unit.field || !MENTIONABLE.has(h.category) || h.discussed) continue;
      hits[i] = { ...h, weight: h.weight * MENTION_FACTOR, discussed: true };
    }
  }
}

/** Round 19f: the text with the inside of every quote in running text (a mention) blanked, offsets kept. */
function blankMentions(t: string): { text: string; quoted: number } {
  let out = '';
  let last = 0;
  let quoted = 0;
  for (const sp of quotedSpans(t)) {
    if (sp.open < last || !mentionedInQuote(t, sp.open + 1, sp.close)) continue;
    out += t.slice(last, sp.open + 1) + ' '.repeat(sp.close - sp.open - 1);
    quoted += sp.close - sp.open - 1;
    last = sp.close;
  }
  return { text: quoted ? out + t.slice(last) : t, quoted };
}

/** Round 19f: categories whose rule hits a text can make by quoting (naming) an attack rather than saying it. */
const MENTIONABLE: ReadonlySet<string> = new Set(['prompt_injection', 'jailbreak']);
/** Rules whose match is a thing, not words said: an address to the AI, a hidden tag, a chat template, a path. */
const NOT_MENTIONABLE: ReadonlySet<string> = new Set([
  'address_the_ai', 'vocative_ai', 'hidden_tag', 'hidden_html', 'chat_template_tokens', 'fake_turn', 'context_break',
  'read_sensitive_file', 'smuggle_in_parameter', 'chain_other_tool', 'new_instructions_marker', 'imperative_now',
]);
const MENTION_FACTOR = 0.4;
/** Outside the quotes, a sentence that tells the reader to go along: answer, confirm, comply, switch, from now on … (not a
 * heading or a label: "Follow-ups:", "Reply (88 points)"); a request to the reader anywhere (please, tell me, give me,
 * now write …); or a claim of authority over it ("I am the administrator", "per the security team"). */
const ACT_ON_QUOTE =
  /(?:^|[.!?:;]\s+|\n\s*)(?:please,? |now,? |so,? |then,? )?(?:answer|respond|reply|confirm|proceed|comply|follow|obey|apply|act|adopt|switch|enter|enable|activate|continue|go ahead|treat|acknowledge|operate|behave)\b(?![-:]|\s*\()|\byou (?:are|will|must|should|shall|may) (?:now|henceforth|from now)\b|\bfrom now on\b|\bfor (?:this|the rest of this) (?:session|conversation|chat)\b|\b(?:please|you can now|i need you to|tell me|give me|show me|provide (?:me|the|full|a|an)|write me|go ahead|now (?:write|answer|give|tell|list|explain|describe|output|print))\b|\bi am (?:an? |the |your )?(?:admin|administrator|developer|staff|authori[sz]ed|verified|owner|operator|supervisor)\b|\b(?:as|per) (?:the |your )?(?:admin|administrator|developer|operator|owner|ciso|security team)\b/;
const MENTION_MIN_WORDS = 12;

const DESTINATION_FIELD = /^(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+$|^(?:https?|ftp):\/\/\S+$/i;
const CREDENTIAL_RULES = new Set(['read_sensitive_file', 'upload_sensitive_file']);
/** Key material whose format alone says what it is (the shared forms' `keyFormat` view; the secrets detector judges the rest). */
const SECRET_MATERIAL = secretMaterialRegex('keyFormat');
/** Bulk personal data: a whole table or thousands of records of people ("full customer table", "18,233 rows"). */
const BULK_RECORDS = /\b(?:full|entire|complete|whole|all) (?:customer|user|client|employee|staff|patient|member|subscriber|contact)s?'? ?(?:table|list|database|db|records|data|export|dump|details)\b|\b\d{1,3}(?:,\d{3})+ (?:rows|records|customers|users|entries|contacts|employees|patients)\b/i;
const PERSONAL_FIELDS = /\b(?:e-?mails?|date of birth|dob|birth ?dates?|card (?:numbers?|last ?4)|ssns?|social security|home address(?:es)?|addresses|phone(?: numbers?)?|salar(?:y|ies)|passport|national id|diagnos[ie]s)\b/gi;
function bulkPersonal(text: string): boolean {
  if (!BULK_RECORDS.test(text)) return false;
  const kinds = new Set((text.slice(0, 4096).match(PERSONAL_FIELDS) ?? []).map((k) => k.toLowerCase().slice(0, 5)));
  return kinds.size >= 2;
}

/**
 * A call whose arguments name an outside address in one field and
 * credential material in another (an e-mail "to" plus a body quoting
 * ~/.ssh/id_rsa) sends that material out, though no single text says so.
 */
function crossFieldExfiltration(input: TextsInput, hits: Hit[]): void {
  personalDataToAddress(input, hits);
  let field = hits.find((h) => CREDENTIAL_RULES.has(h.rule) && h.evidence.field.startsWith('params.'))?.evidence.field;
  field ??= input.texts.find((u) => u.context === 'argument' && SECRET_MATERIAL.test(u.text))?.field;
  if (!field) return;
  const dest = input.texts.find((u) => u.context === 'argument' && u.field !== field && DESTINATION_FIELD.test(u.text.trim()));
  if (!dest) return;
  const text = dest.text.trim();
  hits.push({
    category: 'exfiltration',
    rule: 'credential_to_address',
    weight: 0.7,
    evidence: { text: clip(text), field: dest.field, start: 0, end: dest.text.length, rule: 'credential_to_address' },
    summary: 'call sends credential material to an outside address',
  });
}

/** A call that sends a table of people's personal data to an address (an e-mail "to" plus a body with 18,233 customer rows). */
function personalDataToAddress(input: TextsInput, hits: Hit[]): void {
  const data = input.texts.find((u) => u.context === 'argument' && u.text.length >= 24 && bulkPersonal(u.text));
  if (!data) return;
  const dest = input.texts.find((u) => u.context === 'argument' && u.field !== data.field && DESTINATION_FIELD.test(u.text.trim()));
  if (!dest) return;
  hits.push({
    category: 'exfiltration',
    rule: 'personal_data_to_address',
    weight: 0.6,
    evidence: { text: clip(dest.text.trim()), field: dest.field, start: 0, end: dest.text.length, rule: 'personal_data_to_address' },
    summary: 'call sends bulk personal data to an address',
  });
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
    // Examples under discussion (a list of quoted attack phrases) are one piece of evidence, not several: the strongest counts.
    let miss = 1;
    let discussed = 0;
    for (const h of list) {
      if (h.discussed) discussed = Math.max(discussed, h.weight);
      else miss *= 1 - h.weight;
    }
    miss *= 1 - discussed;
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
