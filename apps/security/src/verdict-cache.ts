/**
 * The verdict cache: the findings of the stateless detectors (rules and
 * secret patterns on the offline worker, the local classifier, the context
 * cues) for one message's texts, judged once per distinct input. Real MCP
 * traffic repeats the same texts (every session's `initialize` result and
 * `*\/list` listings, the same resource contents, the results of polling
 * calls); a repeated input gets the findings of its first analysis without
 * running the detectors or the hand-off to the offline worker.
 *
 * The key is a canonical serialisation of everything
 * those detectors read: the detection version (a digest of this build's
 * code and weights, and of the engine's configuration), the method, the
 * direction, and for every text its field path, context, origin and the
 * text itself. Every string is length-prefixed (its UTF-16 length) and
 * tagged by its form: as it is (hashed as UTF-8) when it is well formed, as
 * its JSON literal when it holds a lone surrogate (UTF-8 would turn every
 * lone surrogate into U+FFFD, so two different inputs would share one key).
 * Up to 1,024 UTF-16 units the key is that serialisation itself (two inputs
 * never share an entry); a longer one is its SHA-256 digest (base64), and a
 * peer cannot make two different inputs share an entry without a SHA-256
 * collision.
 *
 * Bounded by entries and by an estimate of the bytes held (LRU: a hit moves
 * its entry to the young end, an insertion past a bound evicts the oldest).
 * A miss costs the digest and one lookup by a 32-bit hash (a chain, compared
 * by key). The findings are stored and
 * handed out as deep copies (copy() below: plain data only; structuredClone
 * cost 5 µs per finding), so nothing downstream can change a cached verdict;
 * most messages have none and share one frozen empty list.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Counters } from '@mcpspy/runtime';
import type { Finding, TextsInput } from './types';

/** Default bounds: entries, and bytes held (estimate). */
export const DEFAULT_VERDICT_CACHE_ENTRIES = 10_000;
export const DEFAULT_VERDICT_CACHE_MB = 16;

export interface VerdictCacheOptions {
  /** Most entries (0 turns the cache off). */
  maxEntries?: number;
  /** Most bytes held by the entries (estimate: key and entry overhead, the findings' strings and values). */
  maxBytes?: number;
  /** Where hits, misses, evictions and the size are counted (`verdict_cache_*`). */
  counters?: Counters;
}

/**
 * An entry, in a doubly linked list from the youngest (`head`) to the oldest (`tail`), and in the chain of the
 * entries that share its 32-bit hash (`same`, at most MAX_CHAIN long).
 */
interface Entry {
  key: string;
  hash: number;
  findings: readonly Finding[];
  bytes: number;
  newer?: Entry;
  older?: Entry;
  same?: Entry;
}

const NONE: readonly Finding[] = Object.freeze([]);
/** Slots of the first-sight table (a power of two): 1 MB of fingerprints, 65,536 buckets of 4. */
const SEEN_SLOTS = 1 << 18;
/** Per-entry overhead beyond the findings: the Map slot, the key string (44 base64 characters), the entry object. */
const ENTRY_OVERHEAD = 200;
/**
 * Most entries under one 32-bit hash. The hash is seeded but not cryptographic: a peer that found inputs sharing one
 * could otherwise grow a chain that every lookup of that hash walks. Past the bound a new input is judged, not kept.
 */
const MAX_CHAIN = 4;
/** Longest key held as the serialisation itself (UTF-16 units; 2 KB at most); a longer one is its SHA-256 digest. */
export const KEY_INLINE_MAX = 1024;

export class VerdictCache {
  /**
   * Entries by a 32-bit hash of their key (a chain per hash), found by comparing the key itself: a lookup never
   * serves another input's verdict. Not a Map by the key string: a key is built fresh for every message, and a Map
   * lookup hashes all of it (V8 flattens the concatenation, then hashes it), ~0.75 us per lookup for a ~450-unit key
   * against ~0.17 us for a number and one string compare (session 18, nats26). The engine passes the input's
   * first-sight fingerprint, computed for seenBefore anyway (one function of the key: the key holds everything the
   * fingerprint reads).
   */
  private readonly map = new Map<number, Entry>();
  private count = 0;
  /**
   * The youngest and the oldest entry. (Not the Map's insertion order: taking
   * its oldest key through an iterator walks over every deleted slot before
   * it, 13 µs per insertion at 10,000 entries.)
   */
  private head?: Entry;
  private tail?: Entry;
  private bytes = 0;
  /**
   * First sight: a table of 32-bit fingerprints (buckets of 4) (seeded, not
   * cryptographic) of the inputs seen lately. An input whose fingerprint is
   * not there is judged without a key and not remembered; only an input seen
   * before pays the key and enters the cache. So a stream of texts that
   * never repeat costs a fingerprint per message (and no entries to
   * collect), and a repeated text is judged twice before it is served. A
   * fingerprint only decides whether to look: every verdict served is found
   * by its key (module comment), so a collision (or a peer that forces one)
   * costs a key, never a wrong verdict.
   */
  private readonly seen = new Int32Array(SEEN_SLOTS);
  private readonly seed = randomBytes(4).readInt32LE(0);
  private victim = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly counters?: Counters;

  constructor(opts: VerdictCacheOptions = {}) {
    this.maxEntries = Math.max(0, Math.floor(opts.maxEntries ?? DEFAULT_VERDICT_CACHE_ENTRIES));
    this.maxBytes = Math.max(0, Math.floor(opts.maxBytes ?? DEFAULT_VERDICT_CACHE_MB * 1048576));
    this.counters = opts.counters;
  }

  /**
   * What opens every key of one engine: the detection version of this build
   * and the engine's configuration (which stateless detectors run, the lexical
   * model on or off), so engines sharing one cache never share a verdict made
   * under another configuration.
   */
  static prefixFor(config: string): string {
    return createHash('sha256').update(piece(detectionVersion()) + piece(config), 'utf8').digest('base64');
  }

  get enabled(): boolean {
    return this.maxEntries > 0 && this.maxBytes > 0;
  }

  get size(): number {
    return this.count;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * The key of one input: the canonical serialisation itself when it is short (at most KEY_INLINE_MAX UTF-16 units:
   * a Map lookup hashes and compares it exactly, so two inputs can never share an entry), else its SHA-256 digest
   * (base64), built as one string and hashed in one call (an update per piece cost ~0.4 µs each: 7.8 µs per 1 KB
   * message against 2-3 µs). The two kinds never meet: a serialisation always holds a `:` (its first piece's tag),
   * base64 never does. A short key is held whole (counted in the entry's bytes): the digest cost 1.6 µs per
   * 200-character message and a native Hash object per lookup, the inline key a concatenation (session 8, nats12).
   */
  keyOf(prefix: string, input: TextsInput): string {
    const texts = input.texts;
    let c = piece(prefix) + piece(input.method) + piece(input.direction) + `n${texts.length}:`;
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i]!;
      c += piece(t.field) + piece(t.context) + piece(t.origin) + piece(t.text);
    }
    if (c.length <= KEY_INLINE_MAX) return c;
    // An ASCII string has the same bytes in Latin-1 as in UTF-8 (the same digest), and Latin-1 skips the encoder.
    return createHash('sha256').update(c, Buffer.byteLength(c, 'utf8') === c.length ? 'latin1' : 'utf8').digest('base64');
  }

  /**
   * True when this input was (probably) seen lately; else remembers it and
   * counts `verdict_cache_first_sight` (a miss that cost no digest).
   */
  seenBefore(input: TextsInput, fp: number = this.fingerprintOf(input)): boolean {
    // Buckets of 4 slots: two inputs that share a slot must not evict each other forever.
    const b = fp & (SEEN_SLOTS - 4);
    const seen = this.seen;
    if (seen[b] === fp || seen[b + 1] === fp || seen[b + 2] === fp || seen[b + 3] === fp) return true;
    // An empty slot of the bucket first, else one in turn.
    const free = seen[b] === 0 ? 0 : seen[b + 1] === 0 ? 1 : seen[b + 2] === 0 ? 2 : seen[b + 3] === 0 ? 3 : -1;
    if (free >= 0) seen[b + free] = fp;
    else {
      seen[b + this.victim] = fp;
      this.victim = (this.victim + 1) & 3;
    }
    this.counters?.inc('verdict_cache_first_sight');
    return false;
  }

  /** The first-sight fingerprint of an input: what seenBefore reads, and the `hash` that get and set take for its key. */
  fingerprintOf(input: TextsInput): number {
    return fingerprint(this.seed, input);
  }

  /**
   * The findings cached under `key` (a copy), or undefined; counts the hit or miss. `hash`: any 32-bit number that is
   * the same in every call with this key (the engine gives fingerprintOf(input), the input the key was built from);
   * by default a hash of the key itself. It only picks the chain: the entry served is the one whose key is `key`.
   */
  get(key: string, hash: number = hashString(this.seed, key)): Finding[] | undefined {
    let e = this.map.get(hash);
    while (e !== undefined && e.key !== key) e = e.same;
    if (!e) {
      this.counters?.inc('verdict_cache_misses');
      return undefined;
    }
    // Least recently used order: a hit becomes the youngest.
    this.unlink(e);
    this.pushYoungest(e);
    this.counters?.inc('verdict_cache_hits');
    return e.findings.length === 0 ? [] : (copy(e.findings) as Finding[]);
  }

  /** Remembers the findings of a complete analysis (a copy); evicts the oldest past a bound. */
  set(key: string, findings: readonly Finding[], hash: number = hashString(this.seed, key)): void {
    if (!this.enabled) return;
    const stored = findings.length === 0 ? NONE : (copy(findings) as Finding[]);
    const bytes = ENTRY_OVERHEAD + (key.length > 44 ? 2 * key.length : 0) + sizeOf(stored);
    if (bytes > this.maxBytes) return;
    let chain = 0;
    for (let o = this.map.get(hash); o !== undefined; o = o.same) {
      if (o.key === key) {
        this.remove(o);
        chain = 0;
        break;
      }
      chain++;
    }
    if (chain >= MAX_CHAIN) return;
    const e: Entry = { key, hash, findings: stored, bytes, newer: undefined, older: undefined, same: this.map.get(hash) };
    this.map.set(hash, e);
    this.count++;
    this.pushYoungest(e);
    this.bytes += bytes;
    while (this.count > this.maxEntries || this.bytes > this.maxBytes) {
      this.remove(this.tail!);
      this.counters?.inc('verdict_cache_evictions');
    }
  }

  /** Takes an entry out of its hash chain and of the LRU list. */
  private remove(e: Entry): void {
    const first = this.map.get(e.hash);
    if (first === e) {
      if (e.same) this.map.set(e.hash, e.same);
      else this.map.delete(e.hash);
    } else {
      let p = first;
      while (p !== undefined && p.same !== e) p = p.same;
      if (p) p.same = e.same;
    }
    e.same = undefined;
    this.unlink(e);
    this.bytes -= e.bytes;
    this.count--;
  }

  private unlink(e: Entry): void {
    if (e.newer) e.newer.older = e.older;
    else this.head = e.older;
    if (e.older) e.older.newer = e.newer;
    else this.tail = e.newer;
    e.newer = e.older = undefined;
  }

  private pushYoungest(e: Entry): void {
    e.older = this.head;
    e.newer = undefined;
    if (this.head) this.head.newer = e;
    this.head = e;
    this.tail ??= e;
  }

  clear(): void {
    this.map.clear();
    this.head = this.tail = undefined;
    this.bytes = 0;
    this.count = 0;
  }
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A seeded 32-bit hash of one string, code unit by code unit, its length mixed in. */
function hashString(h: number, s: string): number {
  h = Math.imul(h ^ s.length, 0x5bd1e995);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995) ^ (h >>> 13);
  return fmix(h);
}

/** The first-sight fingerprint of everything the key reads (not the prefix: one table per cache, one cache per engine or shared by engines whose keys differ only by prefix, where sharing a first sight costs a digest at most). */
function fingerprint(seed: number, input: TextsInput): number {
  let h = hashString(seed, String(input.method));
  h = hashString(h, String(input.direction));
  const texts = input.texts;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i]!;
    h = hashString(h, String(t.field));
    h = hashString(h ^ (t.context === 'result' ? 1 : t.context === 'definition' ? 2 : 3), String(t.origin));
    h = hashString(h, String(t.text));
  }
  return fmix(h ^ texts.length);
}

/** Bytes held by some findings, estimated: their strings (2 bytes a character) and 64 bytes per other value. */
function sizeOf(v: unknown): number {
  if (typeof v === 'string') return 32 + 2 * v.length;
  if (typeof v !== 'object' || v === null) return 16;
  let n = 64;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) n += sizeOf(v[i]);
  else for (const k of Object.keys(v)) n += 16 + sizeOf((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * A deep copy of plain data (findings: objects, arrays, strings, numbers,
 * booleans, null); every own enumerable key is kept, undefined values
 * included, so a copy is deepStrictEqual to its original.
 */
function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}

declare global {
  interface String {
    /** ES2024 (Node 20 has it; this build's lib is ES2022). */
    isWellFormed(): boolean;
  }
}

/**
 * One string of the serialisation, length-prefixed and tagged: `u<len>:` and
 * the string itself when it is well formed (hashed as UTF-8, which is
 * injective on well-formed strings; the UTF-16 length tells where it ends),
 * else `w<len>:` and its JSON string literal (JSON.stringify escapes every
 * lone surrogate as \udXXX, where UTF-8 would turn each into U+FFFD; the
 * literal ends at its closing quote). The ASCII tag between two pieces keeps
 * a lone surrogate at the end of one from pairing with the start of the next.
 */
function piece(s: string): string {
  if (typeof s !== 'string') {
    // Never from extract.ts (every field is a string); a caller's slip still gets a serialisation of its own kind.
    return `t${typeof s}:${JSON.stringify(String(s))}`;
  }
  return s.isWellFormed() ? `u${s.length}:${s}` : `w${s.length}:${JSON.stringify(s)}`;
}

let version: string | undefined;

/**
 * A digest of the detection content of this build: every compiled module of
 * the security app (rules, cues, patterns, classifier and semantic weights,
 * the detectors themselves), read once per process. A change to any of them
 * makes every key different. Where the modules cannot be read (a bundle),
 * a random value: the cache lives in memory only, so that is still exact.
 */
export function detectionVersion(): string {
  if (version) return version;
  const h = createHash('sha256');
  try {
    const files: string[] = [];
    const walk = (dir: string, rel: string): void => {
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) walk(join(dir, d.name), r);
        else if ((d.name.endsWith('.js') || d.name.endsWith('.json')) && !d.name.endsWith('.spec.js')) files.push(r);
      }
    };
    walk(__dirname, '');
    files.sort();
    if (files.length === 0) throw new Error('no modules');
    for (const f of files) {
      h.update(piece(f));
      const body = readFileSync(join(__dirname, f));
      h.update(`b${body.length}:`);
      h.update(body);
    }
  } catch {
    h.update(`random:${Math.random()}:${process.hrtime.bigint()}`);
  }
  version = h.digest('hex');
  return version;
}
