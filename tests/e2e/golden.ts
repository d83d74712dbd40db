/**
 * Golden JSONL: the normaliser that removes what cannot be stable in the
 * monitor's output, the builder that predicts the output from the fixtures'
 * wire transcripts, and the comparison (UPDATE_GOLDEN=1 rewrites).
 *
 * A normalised message keeps the compatibility contract of the seed
 * (transport, type, id, method, params, result, error, request, raw) plus
 * `http_transport.tls`. Replaced: pids by labels in order of first appearance
 * (pid#1, pid#2, …; 0 stays "none"), the port in `host`, and any string longer
 * than 4096 characters by its SHA-256 and length. Dropped: timestamp, seq,
 * msg_id, session, description, batch, and the HTTP method/path/status/
 * session_id/side extras, which vary by run or are not part of the contract.
 * Alerts keep type, category, risk, detector, the message they concern
 * (type, id, method) and the evidence's field and rule.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR } from './paths';
import { GoldenMismatchError, FixtureError } from './errors';
import type { SessionRecord } from './scenarios';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export const LONG_STRING = 4096;

export interface Normalised {
  messages: Obj[];
  alerts: Obj[];
}

export function parseJsonl(text: string): Obj[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      try {
        return JSON.parse(l) as Obj;
      } catch (e) {
        throw new GoldenMismatchError(`failed to parse JSONL line ${i + 1}: ${l.slice(0, 200)}`, { cause: e });
      }
    });
}

function shrink(v: Json): Json {
  if (typeof v === 'string') {
    if (v.length <= LONG_STRING) return v;
    return `<sha256:${createHash('sha256').update(v, 'utf8').digest('hex')} chars=${v.length}>`;
  }
  if (Array.isArray(v)) return v.map(shrink);
  if (v !== null && typeof v === 'object') {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = shrink(x);
    return o;
  }
  return v;
}

function pick(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function normalise(lines: Obj[]): Normalised {
  const labels = new Map<number, string>();
  const label = (pid: Json): Json => {
    if (typeof pid !== 'number') return pid;
    if (pid === 0) return 'none';
    let l = labels.get(pid);
    if (!l) {
      l = `pid#${labels.size + 1}`;
      labels.set(pid, l);
    }
    return l;
  };
  const messages: Obj[] = [];
  const alerts: Obj[] = [];
  for (const line of lines) {
    if (line.type === 'security_alert') {
      alerts.push(projectAlert(line));
      continue;
    }
    const out: Obj = { transport_type: line.transport_type };
    const st = line.stdio_transport as Obj | undefined;
    if (st) {
      out.stdio_transport = {
        from_pid: label(st.from_pid),
        from_comm: st.from_comm,
        to_pid: label(st.to_pid),
        to_comm: st.to_comm,
      };
    }
    const ht = line.http_transport as Obj | undefined;
    if (ht) {
      out.http_transport = {
        pid: label(ht.pid),
        comm: ht.comm,
        host: typeof ht.host === 'string' ? ht.host.replace(/:\d+$/, ':<port>') : ht.host,
        is_request: ht.is_request === true,
        tls: ht.tls === true,
      };
    }
    Object.assign(out, pick(line, ['type', 'id', 'method', 'params', 'result', 'error']));
    if (line.request && typeof line.request === 'object') {
      out.request = pick(line.request as Obj, ['type', 'id', 'method', 'params']);
    }
    out.raw = line.raw;
    messages.push(shrink(out) as Obj);
  }
  alerts.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { messages, alerts };
}

function projectAlert(a: Obj): Obj {
  const m = (a.message ?? {}) as Obj;
  const evidence = Array.isArray(a.evidence) ? (a.evidence as Obj[]) : [];
  const ev = [...new Set(evidence.map((e) => `${e.field} ${e.rule}`))].sort();
  return {
    type: 'security_alert',
    category: a.category,
    risk: a.risk,
    detector: a.detector,
    message: pick(m, ['type', 'id', 'method']),
    evidence: ev,
  };
}

// ---- prediction from wire transcripts -------------------------------------

interface TranscriptEntry {
  role: 'client' | 'server';
  dir: 'in' | 'out';
  key: string;
  raw?: string;
}

export interface WireMessage {
  session: number;
  dir: 'c2s' | 's2c';
  raw: string;
}

function readTranscript(file: string): TranscriptEntry[] {
  if (!existsSync(file)) return [];
  return parseJsonl(readFileSync(file, 'utf8')) as unknown as TranscriptEntry[];
}

/**
 * Lines the wire up in the order the client saw it. Each peer records what
 * it sent, byte-exact; a client's "in" takes the server's next "out", and
 * the keys (kind, id, method) must agree.
 */
export function wireMessages(sessions: SessionRecord[]): WireMessage[] {
  const serverStreams = new Map<string, { entries: TranscriptEntry[]; next: number }>();
  const out: WireMessage[] = [];
  sessions.forEach((s, session) => {
    if (!s.clientTranscript) throw new FixtureError('failed to build the wire: the scenario ran without transcripts');
    const own = readTranscript(s.clientTranscript);
    const serverFile = s.serverTranscript ?? s.clientTranscript;
    let stream = serverStreams.get(serverFile);
    if (!stream) {
      const all = s.serverTranscript ? readTranscript(serverFile) : own;
      stream = { entries: all.filter((e) => e.role === 'server' && e.dir === 'out'), next: 0 };
      serverStreams.set(serverFile, stream);
    }
    for (const e of own.filter((x) => x.role === 'client')) {
      if (e.dir === 'out') {
        out.push({ session, dir: 'c2s', raw: e.raw! });
        continue;
      }
      const sent = stream.entries[stream.next++];
      if (!sent || sent.key !== e.key) {
        throw new FixtureError(`failed to line up the transcripts: client got ${e.key}, server sent ${sent?.key ?? 'nothing'}`);
      }
      if (e.raw !== undefined && e.raw !== sent.raw) {
        throw new FixtureError(`failed to line up the transcripts: ${e.key} differs between server and client`);
      }
      out.push({ session, dir: 's2c', raw: sent.raw! });
    }
  });
  return out;
}

/** The JSONL lines the monitor should write for this wire, with made-up pids and port. */
export function predictLines(sessions: SessionRecord[], wire: WireMessage[]): Obj[] {
  let nextPid = 100_001;
  const pids = sessions.map(() => ({ client: nextPid++, server: nextPid++ }));
  const requests = new Map<string, Obj>();
  return wire.map((w) => {
    const s = sessions[w.session];
    const msg = JSON.parse(w.raw) as Obj;
    const hasId = msg.id !== undefined;
    const type = 'method' in msg ? (hasId ? 'request' : 'notification') : 'error' in msg ? 'error' : 'response';
    const line: Obj = { timestamp: '1970-01-01T00:00:00.000Z', transport_type: s.transport };
    const fromClient = w.dir === 'c2s';
    if (s.transport === 'stdio') {
      const p = pids[w.session];
      line.stdio_transport = {
        from_pid: fromClient ? p.client : p.server,
        from_comm: fromClient ? s.clientComm : s.serverComm,
        to_pid: fromClient ? p.server : p.client,
        to_comm: fromClient ? s.serverComm : s.clientComm,
      };
    } else {
      // One message, one line, reported from the client's side.
      line.http_transport = { pid: pids[w.session].client, comm: s.clientComm, host: '127.0.0.1:1', is_request: fromClient, tls: s.tls };
    }
    line.type = type;
    Object.assign(line, pick(msg, ['id', 'method', 'params', 'result']));
    line.error = (msg.error as Obj | undefined) ?? {};
    const pairKey = (dir: string) => `${w.session} ${dir} ${JSON.stringify(msg.id)}`;
    if (type === 'request') requests.set(pairKey(w.dir), msg);
    if (type === 'response' || type === 'error') {
      const req = requests.get(pairKey(fromClient ? 's2c' : 'c2s'));
      if (req) line.request = { type: 'request', ...pick(req, ['id', 'method', 'params']), error: {} };
    }
    line.raw = w.raw;
    return line;
  });
}

// ---- golden files -----------------------------------------------------------

export function updating(): boolean {
  return process.env.UPDATE_GOLDEN === '1';
}

export function goldenPaths(name: string): { messages: string; alerts: string } {
  return { messages: join(GOLDEN_DIR, `${name}.jsonl`), alerts: join(GOLDEN_DIR, `${name}.alerts.jsonl`) };
}

export function readGolden(name: string): Normalised | undefined {
  const p = goldenPaths(name);
  if (!existsSync(p.messages)) return undefined;
  return {
    messages: parseJsonl(readFileSync(p.messages, 'utf8')),
    alerts: existsSync(p.alerts) ? parseJsonl(readFileSync(p.alerts, 'utf8')) : [],
  };
}

export function writeGolden(name: string, n: Normalised): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const p = goldenPaths(name);
  writeFileSync(p.messages, n.messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
  if (n.alerts.length > 0) writeFileSync(p.alerts, n.alerts.map((m) => JSON.stringify(m)).join('\n') + '\n');
  else rmSync(p.alerts, { force: true });
}

/** One line per message, enough to read a mismatch at a glance. */
export function outline(messages: Obj[]): string[] {
  return messages.map((m) => {
    const t = (m.stdio_transport ?? m.http_transport) as Obj | undefined;
    const who = t ? ('from_comm' in t ? `${t.from_comm}->${t.to_comm}` : `${t.comm}${t.is_request ? '->' : '<-'}`) : '?';
    return `${m.type} ${m.id === undefined ? '-' : JSON.stringify(m.id)} ${m.method ?? ''} ${who}`.trim();
  });
}

function firstDifference(a: Obj[], b: Obj[]): string {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) return `line ${i + 1}:\n  got      ${x?.slice(0, 600)}\n  expected ${y?.slice(0, 600)}`;
  }
  return 'none';
}

/**
 * Compares monitor output with the golden of `name`. Counts are exact and
 * order matters for messages; alerts are compared as a sorted set because
 * the security stage may finish after the sink wrote later messages.
 */
export function assertGolden(name: string, lines: Obj[]): Normalised {
  const got = normalise(lines);
  if (updating()) {
    writeGolden(name, got);
    return got;
  }
  const want = readGolden(name);
  if (!want) throw new GoldenMismatchError(`failed to find golden ${goldenPaths(name).messages}: run once with UPDATE_GOLDEN=1`);
  const problems: string[] = [];
  if (JSON.stringify(got.messages) !== JSON.stringify(want.messages)) {
    problems.push(
      `messages: got ${got.messages.length}, expected ${want.messages.length}; first difference at ${firstDifference(got.messages, want.messages)}\n` +
        `  got outline:      ${outline(got.messages).join(' | ')}\n  expected outline: ${outline(want.messages).join(' | ')}`,
    );
  }
  if (JSON.stringify(got.alerts) !== JSON.stringify(want.alerts)) {
    problems.push(`alerts: got ${got.alerts.length}, expected ${want.alerts.length}; first difference at ${firstDifference(got.alerts, want.alerts)}`);
  }
  if (problems.length > 0) {
    throw new GoldenMismatchError(`failed to match golden ${name} (UPDATE_GOLDEN=1 rewrites it):\n${problems.join('\n')}`);
  }
  return got;
}

/** The facts a transcript can vouch for: direction, kind, id, method and the exact text. */
export function wireProjection(messages: Obj[]): string[] {
  return messages.map((m) => {
    const st = m.stdio_transport as Obj | undefined;
    const ht = m.http_transport as Obj | undefined;
    const towardServer = st ? st.from_comm === 'mcpe2e-client' : ht?.is_request === true;
    return JSON.stringify([towardServer ? 'c2s' : 's2c', m.type, m.id ?? null, m.method ?? null, m.raw]);
  });
}
