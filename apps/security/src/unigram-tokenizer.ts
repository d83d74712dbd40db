/**
 * A reader of HuggingFace `tokenizer.json` files for SentencePiece Unigram
 * models, the tokenizer family of the classifiers this stage is meant for
 * (DeBERTa-v3: protectai/deberta-v3-base-prompt-injection-v2; mDeBERTa:
 * Llama Prompt Guard). It turns text into the input ids the ONNX model
 * expects: normalize, pre-tokenize, Viterbi segmentation over the vocabulary
 * (the most probable sequence of pieces), then the post-processor's template
 * ([CLS] text [SEP]).
 *
 * Only the parts those files use are read; anything else is refused at load
 * with its name, rather than tokenized differently from what the model saw
 * in training. One approximation: the `Precompiled` normalizer (a compiled
 * SentencePiece character map, nmt_nfkc for these models) is applied as
 * Unicode NFKC plus the removal of control characters, which is what that
 * map does for ordinary text.
 *
 * Special tokens written inside the input text are not interpreted: an
 * attacker's "[SEP]" is tokenized as plain characters.
 */
import { TokenizerLoadError } from './errors';

type Json = Record<string, unknown>;

export interface Encoding {
  ids: number[];
  /** 1 for every id (no padding: one text per run). */
  attentionMask: number[];
  /** True when the text did not fit in maxLength and was cut. */
  truncated: boolean;
}

type Normalize = (s: string) => string;
type PreTokenize = (words: string[]) => string[];

interface Piece {
  id: number;
  score: number;
}

// Control characters nmt_nfkc drops (tab, newline and carriage return become spaces first).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

export class UnigramTokenizer {
  private readonly pieces = new Map<string, Piece>();
  private readonly maxPieceChars: number;
  private readonly unkId: number;
  private readonly unkScore: number;
  private readonly byteFallback: boolean;
  private readonly names: string[];

  private constructor(
    vocab: Array<[string, number]>,
    unkId: number,
    byteFallback: boolean,
    private readonly normalize: Normalize,
    private readonly preTokenize: PreTokenize,
    private readonly prefix: number[],
    private readonly suffix: number[],
    readonly maxLength: number,
    specials: ReadonlySet<string>,
  ) {
    this.names = vocab.map(([piece]) => piece);
    let longest = 1;
    let minScore = 0;
    vocab.forEach(([piece, score], id) => {
      // Special tokens are never matched in the text itself: the template alone places them.
      if (specials.has(piece)) return;
      if (!this.pieces.has(piece)) this.pieces.set(piece, { id, score });
      longest = Math.max(longest, [...piece].length);
      minScore = Math.min(minScore, score);
    });
    this.maxPieceChars = longest;
    this.unkId = unkId;
    // SentencePiece's penalty for an unknown character: well below any real piece.
    this.unkScore = minScore - 10;
    this.byteFallback = byteFallback;
  }

  /** Reads a parsed tokenizer.json. Throws TokenizerLoadError naming what it does not support. */
  static fromJson(json: unknown, maxLength = 512): UnigramTokenizer {
    if (!isObject(json)) throw new TokenizerLoadError('the file is not a JSON object');
    const model = json.model;
    if (!isObject(model) || model.type !== 'Unigram') {
      throw new TokenizerLoadError(`model type ${isObject(model) ? String(model.type) : 'missing'} is not supported (only Unigram, as in DeBERTa-v3 and mDeBERTa)`);
    }
    const vocab = model.vocab;
    if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((v) => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number')) {
      throw new TokenizerLoadError('model.vocab must be a list of [piece, score]');
    }
    const unkId = typeof model.unk_id === 'number' ? model.unk_id : -1;
    const { prefix, suffix } = template(json.post_processor, json.added_tokens);
    return new UnigramTokenizer(
      vocab as Array<[string, number]>,
      unkId,
      model.byte_fallback === true,
      normalizerOf(json.normalizer),
      preTokenizerOf(json.pre_tokenizer),
      prefix,
      suffix,
      maxLength,
      specialTokens(json.added_tokens),
    );
  }

  /** Ids of one text, cut to maxLength with the template's tokens kept. */
  encode(text: string): Encoding {
    const words = this.preTokenize([this.normalize(text)]);
    const body: number[] = [];
    const room = this.maxLength - this.prefix.length - this.suffix.length;
    let truncated = false;
    for (let i = 0; i < words.length; i++) {
      if (words[i].length === 0) continue;
      this.segment(words[i], body);
      if (body.length >= room) {
        truncated = body.length > room || words.slice(i + 1).some((w) => w.length > 0);
        body.length = Math.max(0, room);
        break;
      }
    }
    const ids = [...this.prefix, ...body, ...this.suffix];
    return { ids, attentionMask: ids.map(() => 1), truncated };
  }

  /** The pieces of a text, for tests and debugging. */
  tokens(text: string): string[] {
    return this.encode(text).ids.map((id) => this.names[id] ?? `#${id}`);
  }

  /**
   * Viterbi over the characters of one word: best[i] is the best score of a
   * segmentation of the first i characters. An unknown character becomes the
   * unknown piece (or its UTF-8 bytes with byte fallback); consecutive
   * unknowns fuse into one, as SentencePiece does.
   */
  private segment(word: string, out: number[]): void {
    const chars = [...word];
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === Number.NEGATIVE_INFINITY) continue;
      let s = '';
      let matched = false;
      for (let j = i; j < n && j - i < this.maxPieceChars; j++) {
        s += chars[j];
        const p = this.pieces.get(s);
        if (!p) continue;
        if (j - i === 0) matched = true;
        const score = best[i] + p.score;
        if (score > best[j + 1]) {
          best[j + 1] = score;
          from[j + 1] = i;
          pieceAt[j + 1] = p.id;
        }
      }
      if (!matched) {
        // No single-character piece: the unknown token covers this character.
        const score = best[i] + this.unkScore;
        if (score > best[i + 1]) {
          best[i + 1] = score;
          from[i + 1] = i;
          pieceAt[i + 1] = -2;
        }
      }
    }
    const path: Array<{ id: number; start: number; end: number }> = [];
    for (let end = n; end > 0; end = from[end]) path.push({ id: pieceAt[end], start: from[end], end });
    path.reverse();
    let lastUnk = false;
    for (const step of path) {
      if (step.id !== -2) {
        out.push(step.id);
        lastUnk = false;
        continue;
      }
      if (this.byteFallback) {
        const bytes = new TextEncoder().encode(chars.slice(step.start, step.end).join(''));
        for (const b of bytes) {
          const p = this.pieces.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
          out.push(p ? p.id : this.unkId);
        }
        lastUnk = false;
      } else if (!lastUnk) {
        out.push(this.unkId);
        lastUnk = true;
      }
    }
  }
}

function specialTokens(addedTokens: unknown): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(addedTokens)) for (const t of addedTokens) if (isObject(t) && t.special === true && typeof t.content === 'string') out.add(t.content);
  return out;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normalizerOf(spec: unknown): Normalize {
  if (spec === null || spec === undefined) return (s) => s;
  if (!isObject(spec)) throw new TokenizerLoadError('normalizer is not an object');
  switch (spec.type) {
    case 'Sequence': {
      const steps = (Array.isArray(spec.normalizers) ? spec.normalizers : []).map(normalizerOf);
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Strip': {
      const left = spec.strip_left !== false;
      const right = spec.strip_right !== false;
      return (s) => (left && right ? s.trim() : left ? s.trimStart() : right ? s.trimEnd() : s);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = spec.type;
      return (s) => s.normalize(form);
    }
    case 'Precompiled':
      return (s) => s.replace(/[\t\n\r]/g, ' ').replace(CONTROL, '').normalize('NFKC');
    case 'Replace': {
      const pattern = spec.pattern;
      const content = typeof spec.content === 'string' ? spec.content : '';
      if (isObject(pattern) && typeof pattern.String === 'string') {
        const literal = pattern.String;
        return (s) => s.split(literal).join(content);
      }
      if (isObject(pattern) && typeof pattern.Regex === 'string') {
        const re = new RegExp(pattern.Regex, 'gu');
        return (s) => s.replace(re, () => content);
      }
      throw new TokenizerLoadError('a Replace normalizer without a String or Regex pattern');
    }
    default:
      throw new TokenizerLoadError(`normalizer ${String(spec.type)} is not supported`);
  }
}

/** True for characters the Punctuation pre-tokenizer isolates (Unicode P*, and ASCII symbols as the Rust crate does). */
const PUNCT = /^[\p{P}!-/:-@[-`{-~]$/u;

function preTokenizerOf(spec: unknown): PreTokenize {
  if (spec === null || spec === undefined) return (w) => w;
  if (!isObject(spec)) throw new TokenizerLoadError('pre_tokenizer is not an object');
  switch (spec.type) {
    case 'Sequence': {
      const steps = (Array.isArray(spec.pretokenizers) ? spec.pretokenizers : []).map(preTokenizerOf);
      return (w) => steps.reduce((acc, f) => f(acc), w);
    }
    case 'WhitespaceSplit':
      return (w) => w.flatMap((s) => s.split(/\s+/u).filter(Boolean));
    case 'Punctuation': {
      if (spec.behavior !== undefined && spec.behavior !== 'Isolated') throw new TokenizerLoadError(`Punctuation behavior ${String(spec.behavior)} is not supported`);
      return (w) =>
        w.flatMap((s) => {
          const out: string[] = [];
          let cur = '';
          for (const ch of s) {
            if (PUNCT.test(ch)) {
              if (cur) out.push(cur);
              out.push(ch);
              cur = '';
            } else cur += ch;
          }
          if (cur) out.push(cur);
          return out;
        });
    }
    case 'Metaspace': {
      const rep = typeof spec.replacement === 'string' ? spec.replacement : '\u2581';
      // Older files say add_prefix_space; newer ones prepend_scheme (always | first | never).
      const scheme = typeof spec.prepend_scheme === 'string' ? spec.prepend_scheme : spec.add_prefix_space === false ? 'never' : 'always';
      const split = spec.split !== false;
      return (w) => {
        const out: string[] = [];
        w.forEach((s, i) => {
          let t = s.replace(/ /g, rep);
          if ((scheme === 'always' || (scheme === 'first' && i === 0)) && !t.startsWith(rep)) t = rep + t;
          if (!split) {
            out.push(t);
            return;
          }
          // Split before each replacement character, keeping it with the word that follows.
          let start = 0;
          for (let k = 1; k < t.length; k++) {
            if (t[k] === rep) {
              out.push(t.slice(start, k));
              start = k;
            }
          }
          out.push(t.slice(start));
        });
        return out;
      };
    }
    default:
      throw new TokenizerLoadError(`pre_tokenizer ${String(spec.type)} is not supported`);
  }
}

/** The ids put before and after the text by the post-processor. */
function template(spec: unknown, addedTokens: unknown): { prefix: number[]; suffix: number[] } {
  if (spec === null || spec === undefined) return { prefix: [], suffix: [] };
  if (!isObject(spec)) throw new TokenizerLoadError('post_processor is not an object');
  const added = new Map<string, number>();
  if (Array.isArray(addedTokens)) for (const t of addedTokens) if (isObject(t) && typeof t.content === 'string' && typeof t.id === 'number') added.set(t.content, t.id);
  if (spec.type === 'TemplateProcessing') {
    const specials = isObject(spec.special_tokens) ? spec.special_tokens : {};
    const idsOf = (name: string): number[] => {
      const s = specials[name];
      if (isObject(s) && Array.isArray(s.ids)) return s.ids as number[];
      const id = added.get(name);
      if (id === undefined) throw new TokenizerLoadError(`template token ${name} has no id`);
      return [id];
    };
    const prefix: number[] = [];
    const suffix: number[] = [];
    let seenText = false;
    for (const item of Array.isArray(spec.single) ? spec.single : []) {
      if (isObject(item) && isObject(item.Sequence)) seenText = true;
      else if (isObject(item) && isObject(item.SpecialToken) && typeof item.SpecialToken.id === 'string') (seenText ? suffix : prefix).push(...idsOf(item.SpecialToken.id));
    }
    return { prefix, suffix };
  }
  if (spec.type === 'BertProcessing' || spec.type === 'RobertaProcessing') {
    const cls = spec.cls as [string, number] | undefined;
    const sep = spec.sep as [string, number] | undefined;
    return { prefix: cls ? [cls[1]] : [], suffix: sep ? [sep[1]] : [] };
  }
  throw new TokenizerLoadError(`post_processor ${String(spec.type)} is not supported`);
}
