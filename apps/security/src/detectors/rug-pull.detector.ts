/**
 * Rug pulls and shadowing. The first tools/list, prompts/list or
 * resources/list answer of a server records a fingerprint of every
 * definition in the Store; a later answer with a different definition raises
 * a rug_pull alert listing what changed. A tool
 * name already owned by a different server raises a tool_poisoning alert
 * (shadowing: the model may call the impostor).
 *
 * Server identity must survive restarts, so pids and pipe inodes are out.
 * stdio: the responder's comm, the serverInfo.name it announced in its
 * initialize answer (remembered per session), and its command line when
 * /proc still shows the same process. HTTP: the host it was called at.
 * Two identities that differ only by a missing part may be the same server,
 * so shadowing needs a part present on both sides to differ.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AlertEvidence, McpMessageEvent } from '@mcpspy/events';
import type { Store } from '@mcpspy/runtime';
import { AnalysisInput, clip, Detector, Finding } from '../types';
import { addedRisks, AddedRisk } from './rug-pull-risk';

export interface ServerIdentity {
  /** stdio:<comm> or http:<host>. */
  base: string;
  /** serverInfo.name from initialize, when seen. */
  name?: string;
  /** Command line of the server process, when verifiable. */
  cmd?: string;
}

export interface RugPullOptions {
  /** How long fingerprints are kept (default 30 days). */
  ttlMs?: number;
  /** Command line of a pid whose comm is `comm`, or undefined (default: /proc, checked against comm). */
  commandLineOf?: (pid: number, comm: string) => Promise<string | undefined>;
}

interface StoredTool {
  hash: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  /** What the kind keeps outside its shape (tools: outputSchema and annotations); absent in records of older builds. */
  extra?: unknown;
  firstSeen: string;
  lastChanged?: string;
}

const DAY = 86_400_000;
/** Short enough that a pid reused by another program with the same comm is noticed quickly. */
const CMD_CACHE_MS = 10_000;
const CMD_CACHE_MAX = 4096;

export function identityKey(id: ServerIdentity): string {
  return [id.base, id.name ?? '', id.cmd ?? ''].join('\u0000');
}

export function mayBeSameServer(a: ServerIdentity, b: ServerIdentity): boolean {
  if (a.base !== b.base) return false;
  if (a.name && b.name && a.name !== b.name) return false;
  if (a.cmd && b.cmd && a.cmd !== b.cmd) return false;
  return true;
}

export function describeIdentity(id: ServerIdentity): string {
  return [id.base, id.name ? `name=${id.name}` : '', id.cmd ? `cmd=${clip(id.cmd, 80)}` : ''].filter(Boolean).join(' ');
}

/**
 * JSON with sorted keys, so a reordered schema is not a change. Iterative:
 * a definition nested 100k levels deep (any server can send one) is
 * fingerprinted like any other instead of overflowing the stack.
 */
export function canonicalJson(root: unknown): string {
  const out: string[] = [];
  // Pending work, popped from the end: a value to write or literal text.
  const stack: ({ lit: string } | { val: unknown })[] = [{ val: root }];
  while (stack.length > 0) {
    const it = stack.pop()!;
    if ('lit' in it) {
      out.push(it.lit);
      continue;
    }
    const v = it.val;
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ lit: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ val: v[i] });
        if (i > 0) stack.push({ lit: ',' });
      }
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined);
      out.push('{');
      stack.push({ lit: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ val: o[keys[i]!] });
        stack.push({ lit: `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:` });
      }
    } else out.push(JSON.stringify(v ?? null));
  }
  return out.join('');
}

/** Nesting beyond which a schema is compared and stored as a whole (its fingerprint), not path by path. */
export const SCHEMA_DEPTH_MAX = 64;

/** True when v nests objects or arrays deeper than max (iterative, stops at the first such path). */
export function deeperThan(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x as Record<string, unknown>)) if (c && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function procCommandLine(pid: number, comm: string): Promise<string | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // A pid from a capture file may have been reused: trust it only when the comm still matches.
    const live = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    if (live !== comm.slice(0, 15)) return undefined;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
    return cmd || undefined;
  } catch {
    return undefined;
  }
}

/** Paths of schema parts that differ between two JSON values (at most `limit`). */
export function jsonDiff(a: unknown, b: unknown, path = '', out: string[] = [], limit = 20, depth = 0): string[] {
  if (out.length >= limit) return out;
  const ao = a && typeof a === 'object' && !Array.isArray(a);
  const bo = b && typeof b === 'object' && !Array.isArray(b);
  // Deeper than this the subtrees are compared whole: the recursion (and the path) stay bounded.
  if (ao && bo && depth < SCHEMA_DEPTH_MAX) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in ra)) out.push(`+${p}`);
      else if (!(k in rb)) out.push(`-${p}`);
      else jsonDiff(ra[k], rb[k], p, out, limit, depth + 1);
      if (out.length >= limit) break;
    }
    return out;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push(`~${path || '(root)'}`);
  return out;
}

/** The shape kept in the Store: as is, or its fingerprint when it nests too deep to keep and diff path by path. */
function storedShape(shape: unknown): unknown {
  if (!deeperThan(shape, SCHEMA_DEPTH_MAX)) return shape;
  return { $deeperThan: SCHEMA_DEPTH_MAX, sha256: sha(canonicalJson(shape)) };
}

/**
 * What is fingerprinted per listing. Tools and prompts are keyed by name;
 * resources by URI (names need not be unique). Only what a model reads or
 * relies on counts as the definition: a resource's `size` changes with its
 * content and is left out, so a growing log file is not a rug pull.
 */
interface ListKind {
  kind: 'tool' | 'prompt' | 'resource';
  listKey: 'tools' | 'prompts' | 'resources';
  keyOf(item: Record<string, unknown>): string | undefined;
  definition(item: Record<string, unknown>): Record<string, unknown>;
  /** The structured part whose changed paths are listed. */
  shape(item: Record<string, unknown>): unknown;
  shapeField: string;
  /** Named in the alert when only fields outside description/title/shape changed. */
  otherFields: string;
  /** The rest of the definition, kept so a change there can be judged too (tools: outputSchema, annotations). */
  extra?(item: Record<string, unknown>): unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const LIST_KINDS: Record<string, ListKind> = {
  'tools/list': {
    kind: 'tool',
    listKey: 'tools',
    keyOf: (t) => str(t.name),
    definition: (t) => ({ title: t.title, description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema, annotations: t.annotations }),
    shape: (t) => t.inputSchema,
    shapeField: 'inputSchema',
    otherFields: 'outputSchema/annotations',
    extra: (t) => ({ outputSchema: t.outputSchema, annotations: t.annotations }),
  },
  'prompts/list': {
    kind: 'prompt',
    listKey: 'prompts',
    keyOf: (t) => str(t.name),
    definition: (t) => ({ title: t.title, description: t.description, arguments: t.arguments }),
    // By argument name, so the alert says which argument appeared or changed rather than "the array differs".
    shape: (t) => (Array.isArray(t.arguments) ? Object.fromEntries(t.arguments.map((a, i) => [str((a as Record<string, unknown> | null)?.name) ?? `#${i}`, a])) : t.arguments),
    shapeField: 'arguments',
    otherFields: 'arguments',
  },
  'resources/list': {
    kind: 'resource',
    listKey: 'resources',
    keyOf: (t) => str(t.uri) ?? str(t.name),
    definition: (t) => ({ name: t.name, title: t.title, description: t.description, mimeType: t.mimeType, annotations: t.annotations }),
    shape: (t) => ({ name: t.name, mimeType: t.mimeType }),
    shapeField: 'name/mimeType',
    otherFields: 'annotations',
    extra: (t) => ({ annotations: t.annotations }),
  },
};

/**
 * Score of a change that adds no risk (a version bump, a typo fix, a longer plain description, a new optional
 * parameter): risk level low, under the default alert threshold (0.5), so it is reported only when the threshold is
 * lowered to 0.3 or below. The Store still records it, and the next change is judged against it.
 */
export const HARMLESS_CHANGE = 0.3;

/**
 * A tool name that two servers share where one of the two sends the reader to the other for part of the work ("use
 * the github server for those", "Prefer internal-docs for questions about company systems") and neither claims to
 * replace the other: two tools each keeping to its own system. Under the default alert threshold, reported when the
 * threshold is lowered (fp25: 6 of 16 benign two-server listings of the tuning writers alerted on the shared name
 * alone, every one of them scoped this way; a bare shared name with no scope still alerts at 0.6).
 */
export const SCOPED_SHADOW = 0.45;

/** A tool description that asks to be used in place of another tool ("use this instead of …", "the other is outdated"). */
const REPLACES_OTHER =
  /\b(?:instead\b|in place of\b|replac(?:es|ing)\b|supersed|deprecated\b|outdated\b|obsolete\b|no longer (?:works|maintained|supported)|(?:new|newer|updated|improved|official|fixed|patched|faster)\b[^.\n]{0,30}\bversion\b|(?:always|only) use this\b|do(?:n't| not) use the other|stattdessen|veraltet|au lieu de|obsolète|en lugar de|en vez de|obsoleto)|代わりに|旧版|替代|而不是/i;

/** A description that sends the reader to another tool or server for part of the work ("use the sheets server for Google Sheets"). */
const DEFERS_TO_OTHER =
  /\b(?:use|prefer|try)\s+(?!this\b|me\b|it\b|only\b|always\b)(?:the\s+)?[\w.-]{2,40}(?:\s+(?:server|tool|connector|integration|search|one))?(?:'s\s+[\w-]{2,30})?\s+(?:for|when|if)\b|\bnot related to\b|\bdoes not (?:search|cover|handle|include|read|access)\b/i;

export function defersToOther(description: string | undefined): boolean {
  return !!description && DEFERS_TO_OTHER.test(description);
}

export function claimsToReplace(description: string | undefined): boolean {
  return !!description && REPLACES_OTHER.test(description);
}

const isFingerprint = (v: unknown): boolean => !!v && typeof v === 'object' && '$deeperThan' in (v as Record<string, unknown>);

/**
 * risky: the change adds at least one risk (rug-pull-risk.ts). harmless: it adds none and every changed part could be
 * read. unjudged: part of the change cannot be read (a schema kept only as its fingerprint, a record from an older
 * build that did not keep outputSchema/annotations), so it is graded as any change was before.
 */
function judgeChange(kind: ListKind, prev: StoredTool, cur: StoredTool): { assessment: 'risky' | 'harmless' | 'unjudged'; risks: AddedRisk[] } {
  const risks = addedRisks(
    { title: prev.title, description: prev.description, shape: prev.inputSchema, extra: prev.extra },
    { title: cur.title, description: cur.description, shape: cur.inputSchema, extra: cur.extra },
  );
  if (risks.length > 0) return { assessment: 'risky', risks };
  const readable = !isFingerprint(prev.inputSchema) && !isFingerprint(cur.inputSchema) && !isFingerprint(prev.extra) && !isFingerprint(cur.extra) && (!kind.extra || prev.extra !== undefined);
  return { assessment: readable ? 'harmless' : 'unjudged', risks };
}

export class RugPullDetector implements Detector {
  readonly name = 'rug_pull';
  private readonly ttlMs: number;
  private readonly commandLineOf: (pid: number, comm: string) => Promise<string | undefined>;

  /** Command lines by pid and comm for a short while: a busy server lists often, and /proc reads cost milliseconds on a loaded host. */
  private readonly cmdCache = new Map<string, { cmd: string | undefined; at: number }>();

  constructor(
    private readonly store: Store,
    opts: RugPullOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 30 * DAY;
    this.commandLineOf = opts.commandLineOf ?? procCommandLine;
  }

  private async cachedCommandLine(pid: number, comm: string): Promise<string | undefined> {
    const key = `${pid}\u0000${comm}`;
    const now = Date.now();
    const hit = this.cmdCache.get(key);
    if (hit && now - hit.at < CMD_CACHE_MS) return hit.cmd;
    const cmd = await this.commandLineOf(pid, comm);
    if (this.cmdCache.size >= CMD_CACHE_MAX) this.cmdCache.clear();
    this.cmdCache.set(key, { cmd, at: now });
    return cmd;
  }

  /** Remembers serverInfo.name from initialize answers, per session. */
  async observe(msg: McpMessageEvent): Promise<void> {
    const method = msg.request?.method ?? msg.method;
    if (msg.type !== 'response' || method !== 'initialize' || !msg.session) return;
    const info = (msg.result as { serverInfo?: { name?: unknown } } | undefined)?.serverInfo;
    if (info && typeof info.name === 'string' && info.name.length > 0) {
      await this.store.set(`security:srvinfo:${msg.session}`, info.name.slice(0, 200), DAY);
    }
  }

  async identityOf(msg: McpMessageEvent): Promise<ServerIdentity> {
    let id: ServerIdentity;
    if (msg.transport_type === 'http' && msg.http_transport) {
      id = { base: `http:${msg.http_transport.host}` };
    } else {
      const st = msg.stdio_transport;
      id = { base: `stdio:${st?.from_comm ?? '?'}` };
      if (st) {
        const cmd = await this.cachedCommandLine(st.from_pid, st.from_comm);
        if (cmd) id.cmd = cmd;
      }
    }
    if (msg.session) {
      const name = await this.store.get(`security:srvinfo:${msg.session}`);
      if (name) id.name = name;
    }
    return id;
  }

  async detect(input: AnalysisInput): Promise<Finding[]> {
    if (input.direction !== 'response') return [];
    const kind = LIST_KINDS[input.method];
    if (!kind) return [];
    const items = (input.msg.result as Record<string, unknown> | undefined)?.[kind.listKey];
    if (!Array.isArray(items) || items.length === 0) return [];
    const id = await this.identityOf(input.msg);
    const idKey = sha(identityKey(id)).slice(0, 24);
    const findings: Finding[] = [];
    const now = input.msg.timestamp || new Date().toISOString();
    for (let i = 0; i < items.length && i < 1000; i++) {
      const t = items[i] as Record<string, unknown> | null;
      if (!t || typeof t !== 'object') continue;
      const name = kind.keyOf(t);
      if (name === undefined) continue;
      const def = kind.definition(t);
      const hash = sha(canonicalJson(def));
      const record: StoredTool = {
        hash,
        title: typeof t.title === 'string' ? t.title : undefined,
        description: typeof t.description === 'string' ? t.description : undefined,
        inputSchema: storedShape(kind.shape(t)),
        extra: kind.extra ? storedShape(kind.extra(t)) : undefined,
        firstSeen: now,
      };
      const key = `security:${kind.kind}:${idKey}:${name}`;
      const first = await this.store.setIfAbsent(key, JSON.stringify(record), this.ttlMs);
      if (!first) {
        const prevRaw = await this.store.get(key);
        const prev = prevRaw ? (JSON.parse(prevRaw) as StoredTool) : undefined;
        if (prev && prev.hash !== hash) {
          findings.push(this.changeFinding(kind, name, i, id, prev, record, now));
          await this.store.set(key, JSON.stringify({ ...record, firstSeen: prev.firstSeen, lastChanged: now }), this.ttlMs);
        }
      }
      if (kind.kind === 'tool') {
        const shadow = await this.shadowing(name, i, id, idKey, record.description);
        if (shadow) findings.push(shadow);
      }
    }
    return findings;
  }

  private changeFinding(kind: ListKind, name: string, index: number, id: ServerIdentity, prev: StoredTool, cur: StoredTool, now: string): Finding {
    const changes: Record<string, unknown>[] = [];
    if ((prev.description ?? '') !== (cur.description ?? '')) {
      changes.push({ field: 'description', before: clip(prev.description ?? '', 1000), after: clip(cur.description ?? '', 1000) });
    }
    if ((prev.title ?? '') !== (cur.title ?? '')) changes.push({ field: 'title', before: prev.title ?? '', after: cur.title ?? '' });
    const schemaPaths = jsonDiff(prev.inputSchema, cur.inputSchema);
    if (schemaPaths.length) changes.push({ field: kind.shapeField, paths: schemaPaths });
    if (changes.length === 0) changes.push({ field: kind.otherFields });
    const descChanged = changes.some((c) => c.field === 'description');
    const field = `result.${kind.listKey}[${index}].${descChanged ? 'description' : kind.shapeField}`;
    const shown = descChanged ? (cur.description ?? '') : canonicalJson(cur.inputSchema);
    const evidence: AlertEvidence = { text: clip(shown), field, start: 0, end: shown.length, rule: 'definition_changed' };
    const { assessment, risks } = judgeChange(kind, prev, cur);
    const added = risks.map((r) => `${r.cue} "${clip(r.text, 60)}"`).join(', ');
    return {
      category: 'rug_pull',
      standalone: true,
      score: assessment === 'harmless' ? HARMLESS_CHANGE : descChanged ? 0.8 : 0.65,
      detector: this.name,
      evidence: [evidence],
      summary:
        `${kind.kind} "${name}" of ${describeIdentity(id)} changed its ${changes.map((c) => c.field).join(', ')} since ${prev.lastChanged ?? prev.firstSeen}` +
        (assessment === 'risky' ? `; it adds ${added}` : assessment === 'harmless' ? '; nothing risky added' : ''),
      details: { kind: kind.kind, server: id, [kind.kind]: name, firstSeen: prev.firstSeen, previousChange: prev.lastChanged, changedAt: now, changes, assessment, added_risks: risks },
    };
  }

  private async shadowing(name: string, index: number, id: ServerIdentity, idKey: string, description: string | undefined): Promise<Finding | undefined> {
    const key = `security:toolname:${name}`;
    const mine = JSON.stringify(id);
    if (await this.store.setIfAbsent(key, mine, this.ttlMs)) return undefined;
    const ownerRaw = await this.store.get(key);
    if (!ownerRaw) return undefined;
    const owner = JSON.parse(ownerRaw) as ServerIdentity;
    if (mayBeSameServer(owner, id)) {
      // A fuller identity of the same server replaces a partial one, so later comparisons are sharper.
      if (mine.length > ownerRaw.length) await this.store.set(key, mine, this.ttlMs);
      return undefined;
    }
    const ownerKey = sha(identityKey(owner)).slice(0, 24);
    if (!(await this.store.setIfAbsent(`security:shadow:${name}:${ownerKey}:${idKey}`, '1', this.ttlMs))) return undefined;
    // Two servers with a `search` or a `create_issue` each is common and harmless when each keeps to its own system;
    // the shadowing attack has one of them claim to replace the other ("updated version … always use this one
    // instead"). Whichever of the two was listed first, its description is in the store under its own server (fp25).
    const ownerTool = await this.store.get(`security:tool:${ownerKey}:${name}`);
    const ownerDescription = ownerTool ? (JSON.parse(ownerTool) as StoredTool).description : undefined;
    const claims = claimsToReplace(description) || claimsToReplace(ownerDescription);
    const defers = defersToOther(description) || defersToOther(ownerDescription);
    return {
      category: 'tool_poisoning',
      standalone: true,
      score: !claims && defers ? SCOPED_SHADOW : 0.6,
      detector: this.name,
      evidence: [{ text: name, field: `result.tools[${index}].name`, start: 0, end: name.length, rule: 'tool_shadowing' }],
      summary: `tool "${name}" of ${describeIdentity(id)} shadows the tool of the same name of ${describeIdentity(owner)}`,
      details: { tool: name, server: id, shadowed: owner },
    };
  }
}
