/**
 * The verdict cache: the findings of the stateless detectors (rules and
 * secret patterns on the offline worker, the local classifier, the context
 * cues) for one message's texts, judged once per distinct input. Real MCP
 * traffic repeats the same texts (every session's `initialize` result and
 * `*\/list` listings, the same resource contents, the results of polling
 * calls); a repeated input gets the findings of its first analysis without
 * running the detectors or the hand-off to the offline worker.
 *
 * The key is a SHA-256 digest of a canonical serialisation of everything
 * those detectors read: the detection version (a digest of this build's
 * code and weights, and of the engine's configuration), the method, the
 * direction, and for every text its field path, context, origin and the
 * text itself. Every string is length-prefixed (its UTF-16 length) and
 * tagged by its encoding: UTF-8 when it is well formed, its raw UTF-16 code
 * units when it holds a lone surrogate (UTF-8 would turn every lone
 * surrogate into U+FFFD, so two different inputs would share one key). A
 * peer cannot make two different inputs share an entry without a SHA-256
 * collision.
 *
 * Bounded by entries and by an estimate of the bytes held (LRU: a hit moves
 * its entry to the young end, an insertion past a bound evicts the oldest).
 * A miss costs the digest and one Map lookup. The findings are stored and
 * handed out as copies (`structuredClone`), so nothing downstream can change
 * a cached verdict; most messages have none and share one frozen empty list.
 */
import { createHash } from 'node:crypto';
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
  /** Most bytes held by the entries (estimate: key, findings as JSON text, overhead). */
  maxBytes?: number;
  /** Where hits, misses, evictions and the size are counted (`verdict_cache_*`). */
  counters?: Counters;
  /** What else the stateless detectors depend on: the engine's configuration (detector names, lexical on/off). */
  config?: string;
}

interface Entry {
  findings: readonly Finding[];
  bytes: number;
}

const NONE: readonly Finding[] = Object.freeze([]);
/** Per-entry overhead beyond the findings: the Map slot, the key string (64 hex characters), the entry object. */
const ENTRY_OVERHEAD = 200;

export class VerdictCache {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly counters?: Counters;
  private readonly prefix: string;

  constructor(opts: VerdictCacheOptions = {}) {
    this.maxEntries = Math.max(0, Math.floor(opts.maxEntries ?? DEFAULT_VERDICT_CACHE_ENTRIES));
    this.maxBytes = Math.max(0, Math.floor(opts.maxBytes ?? DEFAULT_VERDICT_CACHE_MB * 1048576));
    this.counters = opts.counters;
    // The detection version and the configuration open every key.
    const h = createHash('sha256');
    put(h, detectionVersion());
    put(h, opts.config ?? '');
    this.prefix = h.digest('hex');
  }

  get enabled(): boolean {
    return this.maxEntries > 0 && this.maxBytes > 0;
  }

  get size(): number {
    return this.map.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** The key of one input: SHA-256 over the canonical serialisation (module comment). */
  keyOf(input: TextsInput): string {
    const h = createHash('sha256');
    put(h, this.prefix);
    put(h, input.method);
    put(h, input.direction);
    const texts = input.texts;
    h.update(`n${texts.length}:`);
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i]!;
      put(h, t.field);
      put(h, t.context);
      put(h, t.origin);
      put(h, t.text);
    }
    return h.digest('hex');
  }

  /** The findings cached under `key` (a copy), or undefined; counts the hit or miss. */
  get(key: string): Finding[] | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.counters?.inc('verdict_cache_misses');
      return undefined;
    }
    // Least recently used order: a hit becomes the youngest.
    this.map.delete(key);
    this.map.set(key, e);
    this.counters?.inc('verdict_cache_hits');
    return e.findings.length === 0 ? [] : structuredClone(e.findings as Finding[]);
  }

  /** Remembers the findings of a complete analysis (a copy); evicts the oldest past a bound. */
  set(key: string, findings: readonly Finding[]): void {
    if (!this.enabled) return;
    const stored = findings.length === 0 ? NONE : structuredClone(findings as Finding[]);
    const bytes = ENTRY_OVERHEAD + (stored.length === 0 ? 0 : 2 * JSON.stringify(stored).length);
    if (bytes > this.maxBytes) return;
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.bytes -= old.bytes;
    }
    this.map.set(key, { findings: stored, bytes });
    this.bytes += bytes;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next().value as string;
      this.bytes -= this.map.get(oldest)!.bytes;
      this.map.delete(oldest);
      this.counters?.inc('verdict_cache_evictions');
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

type Hash = ReturnType<typeof createHash>;

declare global {
  interface String {
    /** ES2024 (Node 20 has it; this build's lib is ES2022). */
    isWellFormed(): boolean;
  }
}

/**
 * One string, length-prefixed and tagged: `u<len>:` + UTF-8 when well formed
 * (UTF-8 of a well-formed string is injective, and the code-unit count tells
 * where it ends), else `w<len>:` + its UTF-16LE code units, lone surrogates kept.
 */
function put(h: Hash, s: string): void {
  if (s.isWellFormed()) {
    h.update(`u${s.length}:`);
    h.update(s, 'utf8');
  } else {
    h.update(`w${s.length}:`);
    h.update(Buffer.from(s, 'utf16le'));
  }
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
      put(h, f);
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
