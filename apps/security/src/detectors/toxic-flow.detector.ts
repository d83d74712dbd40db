/**
 * Toxic flows across a session: untrusted content enters (a fetched page, an
 * e-mail, an issue comment: the result of a tool that reads the outside
 * world), the agent reads something sensitive (a credential file, a secret,
 * a private document), and then calls a tool that sends data out (send,
 * mail, post, upload, write, transfer, fetch a URL) with that sensitive data
 * in its arguments, or to an address taken from the untrusted content. No
 * single message is an attack; the sequence is.
 *
 * State is per agent (the client process: one agent talks to several
 * servers, and the flow crosses them), kept in the Store for an hour, so
 * every security worker sees it:
 *   security:flow:<agent>  hash
 *     untrusted  JSON { at, tool, addresses[], injected }   the latest untrusted result
 *     reads      JSON [{ at, tool, path, marks[] }]          up to 8 sensitive reads
 *     tools      JSON [names]                                tools the agent was offered
 * `marks` are a few distinctive 24-character slices of what was read, so the
 * data can be recognised in a later call without keeping the secret itself
 * whole (they are kept only as long as the flow state, and only in the Store).
 */
import type { AlertCategory, McpMessageEvent } from '@mcpspy/events';
import type { Store } from '@mcpspy/runtime';
import { channelCarries, SECRET_MATERIAL } from '../exfil-channel';
import { credentialPathRegex } from '../credential-paths';

/** A credential file named in an argument (keys, cloud and registry tokens, password files; not bare directories). */
const CREDENTIAL_ARG = credentialPathRegex();
import { AnalysisInput, clip, Detector, Finding, TextUnit } from '../types';

const TTL_MS = 60 * 60 * 1000;
const MAX_READS = 8;
const MAX_ADDRESSES = 24;
const MARK_LEN = 24;
const MARKS_PER_READ = 6;

/** Tools whose results carry text from outside the user's control. */
const UNTRUSTED_TOOL = /fetch|brows|http|url|web|search|scrape|crawl|download|page|read_?(?:e?mail|message|inbox)|get_?(?:e?mail|message|issue|comment|pull)|inbox|issue|comment|slack|discord|rss|feed|tweet|post/i;
/** Tools (or arguments) that read sensitive data. */
const SENSITIVE_TOOL = /read|get|cat|open|file|secret|credential|env|vault|keychain|password|key|config|db|query|sql|dump|export/i;
/** A read of a private file: the shared list's widest view (`credential-paths.ts`, `pathWords`: a path the agent read is judged by its name too). */
const SENSITIVE_PATH = credentialPathRegex({ pathWords: true });
/** Tools that move data out of the machine or the user's control. */
const SINK_TOOL = /send|mail|post|upload|share|transfer|wire|pay|webhook|notify|publish|push|create_?(?:issue|comment|gist|pr|pull)|comment|message|tweet|slack|discord|fetch|http|request|url|write|put|sync|forward|submit/i;

/** Tools that send to someone else (not write, put or sync, which may stay on the machine). */
const OUTWARD_TOOL = /send|mail|post|upload|share|webhook|notify|publish|gist|comment|message|tweet|slack|discord|telegram|http|request|fetch|submit|forward/i;
/** A destination in a call's arguments: an address, a URL, a messenger handle or channel, a phone number. */
const DESTINATION = /[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,}|\b(?:https?|s?ftp|wss?):\/\/[^\s"']{4,}|^@[\w.-]{3,64}$|^\+?\d[\d ()-]{7,18}\d$/;
/** What secret material sent out by an outward tool weighs without any flow. */
const SECRET_OUT = 0.55;
/** How much of a result is searched for secret material (the secrets detector reads it all, in windows). */
const SECRET_SCAN_MAX = 256 * 1024;
const hasSecretMaterial = (text: string): boolean => SECRET_MATERIAL.test(text.length > SECRET_SCAN_MAX ? text.slice(0, SECRET_SCAN_MAX) : text);
/** A call that puts secret material or a credential file on a channel outside the user's control (exfil-channel.ts). */
const CHANNEL_OUT = 0.6;
/** A whole repository pushed to a remote given as a URL. */
const MIRROR_OUT = 0.55;

const EMAIL = /[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}/g;
const URL_HOST = /https?:\/\/([\w.-]{1,253})/g;
const ACCOUNT = /\b(?:account|acct|iban|wallet)(?: (?:number|no\.?|#))?:? ?([a-z]{0,4}[0-9][0-9 -]{5,34}[0-9])/gi;
/** Hosts every page links to: an address taken from them says nothing. */
const COMMON_HOSTS = /(?:^|\.)(?:github\.com|githubusercontent\.com|google\.com|googleapis\.com|w3\.org|schema\.org|wikipedia\.org|mozilla\.org|npmjs\.(?:com|org)|example\.(?:com|org|net))$/i;

interface FlowUntrusted {
  at: number;
  tool: string;
  addresses: string[];
}
interface FlowRead {
  at: number;
  tool: string;
  path?: string;
  marks: string[];
}

/** The agent a message belongs to: the client process (stdio: the end that is not the server; HTTP: the reporting process). */
export function agentKeyOf(msg: McpMessageEvent): string | undefined {
  const s = msg.stdio_transport;
  if (s) {
    const fromClient = msg.type === 'request' && msg.method === 'tools/call';
    const pid = fromClient ? s.from_pid : s.to_pid;
    const comm = fromClient ? s.from_comm : s.to_comm;
    if (pid) return `stdio:${pid}:${comm ?? ''}`;
  }
  const h = msg.http_transport;
  if (h?.pid) return `http:${h.pid}:${h.comm ?? ''}`;
  return msg.session ? `session:${msg.session}` : undefined;
}

function addressesOf(text: string, out: Set<string>): void {
  for (const m of text.matchAll(EMAIL)) if (out.size < MAX_ADDRESSES && !COMMON_HOSTS.test(m[0].split('@')[1] ?? '')) out.add(m[0].toLowerCase());
  for (const m of text.matchAll(URL_HOST)) if (out.size < MAX_ADDRESSES && !COMMON_HOSTS.test(m[1]!)) out.add(m[1]!.toLowerCase());
  for (const m of text.matchAll(ACCOUNT)) if (out.size < MAX_ADDRESSES) out.add(m[1]!.replace(/[ -]/g, '').toLowerCase());
}

/** A few distinctive slices of a sensitive text: lines that look like data (keys, values), not blank or boilerplate. */
function marksOf(text: string): string[] {
  const marks: string[] = [];
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l.length < MARK_LEN || /^-{3,}/.test(l) || /^#/.test(l)) continue;
    // The middle of the line: least likely to be a shared prefix such as "export " or a key name.
    const start = Math.max(0, Math.floor((l.length - MARK_LEN) / 2));
    marks.push(l.slice(start, start + MARK_LEN));
    if (marks.length >= MARKS_PER_READ) break;
  }
  // A single long line (a key, a token): slices along it.
  if (marks.length === 0 && text.trim().length >= 12) marks.push(text.trim().slice(0, Math.min(MARK_LEN, text.trim().length)));
  return marks;
}

const parse = <T>(raw: string | null, dflt: T): T => {
  if (!raw) return dflt;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return dflt;
  }
};

export class ToxicFlowDetector implements Detector {
  readonly name = 'toxic_flow';

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  async detect(input: AnalysisInput): Promise<Finding[]> {
    const msg = input.msg;
    const agent = agentKeyOf(msg);
    if (!agent) return [];
    const key = `security:flow:${agent}`;
    if (input.direction === 'response' && input.method === 'tools/list') {
      const tools = (msg.result as { tools?: { name?: unknown }[] } | undefined)?.tools;
      if (Array.isArray(tools)) {
        const prev = parse<string[]>(await this.store.hget(key, 'tools'), []);
        const names = [...new Set([...prev, ...tools.map((t) => t?.name).filter((n): n is string => typeof n === 'string').map((n) => n.slice(0, 80))])].slice(0, 256);
        await this.store.hset(key, 'tools', JSON.stringify(names), TTL_MS);
      }
      return [];
    }
    if (input.method !== 'tools/call' && input.method !== 'resources/read') return [];
    if (input.direction === 'response') {
      await this.observeResult(key, input);
      return [];
    }
    if (input.direction === 'request' && input.method === 'tools/call') return this.judgeCall(key, input);
    return [];
  }

  private async observeResult(key: string, input: AnalysisInput): Promise<void> {
    const msg = input.msg;
    const req = (msg.request?.params ?? {}) as { name?: unknown; arguments?: unknown; uri?: unknown };
    const tool = typeof req.name === 'string' ? req.name : typeof req.uri === 'string' ? `resource:${req.uri}` : '';
    const args = req.arguments && typeof req.arguments === 'object' ? JSON.stringify(req.arguments) : typeof req.uri === 'string' ? req.uri : '';
    const text = input.texts.filter((u) => u.origin === 'plain' || u.origin === 'json').map((u) => u.text).join('\n');
    if (!text) return;
    const now = this.now();
    const pathArg = SENSITIVE_PATH.exec(args)?.[0];
    const sensitive = (pathArg !== undefined && SENSITIVE_TOOL.test(tool)) || hasSecretMaterial(text);
    if (sensitive) {
      const reads = parse<FlowRead[]>(await this.store.hget(key, 'reads'), []).filter((r) => now - r.at < TTL_MS);
      reads.push({ at: now, tool: tool.slice(0, 80), ...(pathArg ? { path: args.slice(0, 200) } : {}), marks: marksOf(text.slice(0, 64 * 1024)) });
      await this.store.hset(key, 'reads', JSON.stringify(reads.slice(-MAX_READS)), TTL_MS);
      return;
    }
    if (UNTRUSTED_TOOL.test(tool) || /^resource:https?:/.test(tool)) {
      const addresses = new Set<string>();
      addressesOf(text.slice(0, 256 * 1024), addresses);
      const untrusted: FlowUntrusted = { at: now, tool: tool.slice(0, 80), addresses: [...addresses] };
      await this.store.hset(key, 'untrusted', JSON.stringify(untrusted), TTL_MS);
    }
  }

  /**
   * No flow seen, but the call itself sends secret material (a private key, a cloud or GitHub token) through a tool
   * that carries data out, to a destination named in its arguments (an address, a URL, a handle or a phone number):
   * that is exfiltration whatever came before (a leak is also reported by the secrets detector).
   */
  private secretOut(tool: string, args: readonly TextUnit[]): Finding[] {
    if (!OUTWARD_TOOL.test(tool)) return [];
    // Secret material, or a credential file handed over by its path (an attachment, a body read from a file: round 11).
    const secret = args.find((u) => hasSecretMaterial(u.text) || CREDENTIAL_ARG.test(u.text));
    if (!secret) return [];
    const dest = args.find((u) => DESTINATION.test(u.text));
    if (!dest) return [];
    return [
      {
        category: 'exfiltration',
        score: SECRET_OUT,
        detector: this.name,
        evidence: [{ text: clip(dest.text), field: dest.field, start: 0, end: Math.min(dest.text.length, 200), rule: 'secret_sent_out' }],
        summary: `${tool} sends secret material to ${clip(dest.text, 60)}`,
        details: { flow: { sink: tool, sensitive_read: 'secret material' } },
      },
    ];
  }

  /**
   * Whatever the tool is called (a shell runs anything): its arguments put secret material or a credential file on a
   * channel outside the user's control (a git remote URL, a chat webhook, a paste site or gist, an issue comment, an
   * image URL with a query, a DNS name built from data, a cloud bucket), or push a whole repository to a URL.
   */
  private channelOut(tool: string, args: readonly TextUnit[]): Finding | undefined {
    if (args.length === 0) return undefined;
    const joined = args.length === 1 ? args[0]!.text : args.map((u) => u.text).join('\n');
    const hit = channelCarries(joined, tool);
    if (!hit) return undefined;
    const unit = args.find((u) => u.text.includes(hit.channel.slice(0, 40))) ?? args[0]!;
    return {
      category: 'exfiltration',
      score: hit.carried === 'the whole repository' ? MIRROR_OUT : CHANNEL_OUT,
      detector: this.name,
      evidence: [{ text: clip(hit.channel.replace(/\?[\s\S]*$/, '?…')), field: unit.field, start: 0, end: Math.min(unit.text.length, 200), rule: 'secret_on_channel' }],
      summary: `${tool || 'a call'} puts ${hit.carried === 'the whole repository' ? 'the whole repository' : hit.carried.startsWith('data encoded') ? 'encoded data' : 'secret material'} on an outside channel (${clip(hit.channel.replace(/\?[\s\S]*$/, '?…'), 60)})`,
      details: { flow: { sink: tool, sensitive_read: hit.carried === 'the whole repository' ? 'repository' : 'secret material' } },
    };
  }

  private async judgeCall(key: string, input: AnalysisInput): Promise<Finding[]> {
    const found = await this.judgeFlow(key, input);
    const params = (input.msg.params ?? {}) as { name?: unknown };
    const channel = this.channelOut(typeof params.name === 'string' ? params.name : '', input.texts.filter((u) => u.context === 'argument'));
    if (!channel || found.some((f) => f.score >= channel.score)) return found;
    return [channel];
  }

  private async judgeFlow(key: string, input: AnalysisInput): Promise<Finding[]> {
    const params = (input.msg.params ?? {}) as { name?: unknown };
    const tool = typeof params.name === 'string' ? params.name : '';
    if (!SINK_TOOL.test(tool)) return [];
    const state = await this.store.hgetall(key);
    const now = this.now();
    const untrusted = parse<FlowUntrusted | undefined>(state.untrusted ?? null, undefined);
    const fresh = untrusted && now - untrusted.at < TTL_MS ? untrusted : undefined;
    const reads = parse<FlowRead[]>(state.reads ?? null, []).filter((r) => now - r.at < TTL_MS);
    const args = input.texts.filter((u) => u.context === 'argument');
    if (!fresh && reads.length === 0) return this.secretOut(tool, args);
    const lowerArgs = args.map((u) => ({ u, t: u.text.toLowerCase() }));
    // Sensitive data carried: a mark of an earlier read, the path of one, or secret material itself.
    let carried: { field: string; text: string; read?: FlowRead } | undefined;
    for (const r of reads) {
      for (const { u } of lowerArgs) {
        if (r.marks.some((m) => u.text.includes(m)) || (r.path && SENSITIVE_PATH.test(u.text) && u.text.length < 300 && r.path.includes(u.text.trim()))) {
          carried = { field: u.field, text: u.text, read: r };
          break;
        }
      }
      if (carried) break;
    }
    if (!carried) {
      // Secret material, or a credential file handed over by its path (an attachment, a body read from a file: round 11).
    const secret = args.find((u) => hasSecretMaterial(u.text) || CREDENTIAL_ARG.test(u.text));
      if (secret && reads.length) carried = { field: secret.field, text: secret.text };
    }
    // An address taken from the untrusted content.
    let address: { field: string; value: string } | undefined;
    if (fresh && fresh.addresses.length) {
      for (const { u, t } of lowerArgs) {
        const hit = fresh.addresses.find((a) => a.length >= 6 && t.replace(/[ -]/g, '').includes(a.replace(/[ -]/g, '')));
        if (hit) {
          address = { field: u.field, value: hit };
          break;
        }
      }
    }
    let score = 0;
    const why: string[] = [];
    if (fresh && carried && address) score = 0.92;
    else if (fresh && carried) score = 0.75;
    // Mailing an address a page gave is what users ask for daily; with nothing sensitive in it, it only corroborates.
    else if (fresh && address) score = 0.45;
    // Sensitive data going out with no untrusted content seen: worth a corroborating cue, not an alert.
    else if (carried) score = 0.3;
    if (score === 0) return [];
    if (fresh) why.push(`after untrusted content from ${fresh.tool || 'a tool'}`);
    if (carried) why.push(`carries data read by ${carried.read?.tool || 'an earlier call'}`);
    if (address) why.push(`to an address taken from that content (${address.value})`);
    const evidence = [];
    if (address) evidence.push({ text: clip(address.value), field: address.field, start: 0, end: 0, rule: 'address_from_untrusted' });
    if (carried) evidence.push({ text: clip(carried.text), field: carried.field, start: 0, end: Math.min(carried.text.length, 200), rule: 'sensitive_data_out' });
    const category: AlertCategory = 'exfiltration';
    return [
      {
        category,
        score,
        detector: this.name,
        evidence,
        summary: `toxic flow: ${tool} ${why.join(', ')}`,
        details: { flow: { sink: tool, untrusted: fresh?.tool, sensitive_read: carried?.read?.tool ?? (carried ? 'secret material' : undefined), address: address?.value } },
      },
    ];
  }
}
