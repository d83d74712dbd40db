/**
 * Exfiltration as a channel plus carried data (round 9): a destination outside the user's control together with
 * secret material or a credential file in the same text or call. Either alone is common (a deploy doc names the team's
 * webhook, a how-to names ~/.ssh/id_rsa); both together are how data leaves.
 *
 * Channels, each a shape of its own:
 * - a git remote given as a URL (`git push --mirror https://…`, `git remote add x https://… && git push x --all`);
 * - a chat service's incoming webhook (Slack, Discord, Teams/Office 365, Google Chat, a Telegram bot);
 * - a paste site, a gist or an issue/PR comment endpoint;
 * - an image or pixel URL with a query string (markdown images are fetched without a click);
 * - a DNS name built from data (`$(…).domain`, `$c.x.domain`), or one whose first label is encoded readable text;
 * - a cloud bucket URL (`s3://`, `gs://`, `*.blob.core.windows.net`).
 */

import { credentialPathRegex } from './credential-paths';
import { secretMaterialRegex } from './secret-patterns';
import { TriggerIndex } from './trigger-index';

/** Secret material a result or call carries (the shared forms' `carried` view, `secret-patterns.ts`). */
export const SECRET_MATERIAL = secretMaterialRegex('carried');

/** Credential files and their usual places (the shared list's `credential` view with bare directories, `credential-paths.ts`). */
export const CREDENTIAL_FILE = credentialPathRegex({ dirs: true });

/**
 * One shape of destination outside the user's control: a bounded regex source (compiled with `i`) and the literals
 * (lower case), one of which every match of it contains. The gate of `channelCarries` is built from these literals,
 * so a shape and its gate are edited in one place; `test/exfil-channel-gate.test.ts` checks every match of every
 * shape on the corpus and the benign data against its literals.
 */
export interface ChannelShape {
  readonly name: string;
  readonly re: string;
  readonly gates: readonly string[];
}

/** Destinations outside the user's control, by channel (see the module comment). */
export const CHANNEL_SHAPES: readonly ChannelShape[] = [
  // git: a remote given as a URL, pushed to (a named remote such as origin is the user's own).
  {
    name: 'git remote URL',
    re: String.raw`\bgit\b[^\n]{0,80}?\b(?:push|remote add|remote set-url)\b[^\n]{0,60}?(?:https?:\/\/|ssh:\/\/|git@[\w.-]{1,100}:)`,
    gates: ['push', 'remote add', 'remote set-url'],
  },
  // chat services' incoming webhooks.
  {
    name: 'chat webhook',
    re: String.raw`hooks\.slack\.com\/(?:services|workflows)\/|discord(?:app)?\.com\/api\/webhooks\/|outlook\.office(?:365)?\.com\/webhook|\.webhook\.office\.com\/|chat\.googleapis\.com\/v1\/spaces\/|api\.telegram\.org\/bot`,
    gates: ['hooks.slack.com/', '.com/api/webhooks/', 'outlook.office', '.webhook.office.com/', 'chat.googleapis.com/v1/spaces/', 'api.telegram.org/bot'],
  },
  // paste sites, gists, issue/PR comments.
  {
    name: 'paste, gist or comment',
    re: String.raw`\b(?:pastebin\.com|paste\.ee|hastebin\.com|dpaste\.(?:com|org)|termbin\.com|ghostbin|0x0\.st|transfer\.sh|file\.io|gist\.github\.com|api\.github\.com\/gists)\b|\bcreate_?gist\b|\bgh gist create\b|\/issues\/\d{1,9}\/comments\b|\b(?:create|post|add)_(?:issue_|pr_)?comment\b|\bas a comment on\b`,
    gates: ['pastebin.com', 'paste.ee', 'hastebin.com', 'dpaste.', 'termbin.com', 'ghostbin', '0x0.st', 'transfer.sh', 'file.io', 'gist', '/comments', '_comment', 'as a comment on'],
  },
  // an image or pixel URL with a query string.
  {
    name: 'image URL with a query',
    re: String.raw`!\[[^\]\n]{0,80}\]\(https?:\/\/[^\s)?]{1,200}\?[^\s)]{1,400}\)|https?:\/\/[^\s"'?]{1,200}\.(?:png|gif|jpe?g|svg|webp|ico)\?[^\s"')]{4,400}`,
    gates: ['](http', '.png?', '.gif?', '.jpg?', '.jpeg?', '.svg?', '.webp?', '.ico?'],
  },
  // DNS names built from data.
  { name: 'DNS name from data', re: String.raw`\b(?:dig|nslookup|host|drill)\b[^\n]{0,60}?\$[({\w]`, gates: ['$'] },
  // cloud buckets.
  { name: 'cloud bucket', re: String.raw`\b(?:s3|gs):\/\/[\w.-]{3,63}|\.blob\.core\.windows\.net\b`, gates: ['s3://', 'gs://', '.blob.core.windows.net'] },
];

export const EXFIL_CHANNEL = new RegExp(CHANNEL_SHAPES.map((c) => c.re).join('|'), 'i');

/** A whole repository pushed to a remote given as a URL: every branch and tag leaves at once. */
export const REPO_MIRROR_OUT = /\bgit\b[^\n]{0,80}?\bpush\b[^\n]{0,40}?--(?:mirror|all)\b[^\n]{0,40}?(?:https?:\/\/|ssh:\/\/|git@[\w.-]{1,100}:)|\bgit\b[^\n]{0,80}?\bpush\b[^\n]{0,40}?(?:https?:\/\/|ssh:\/\/|git@[\w.-]{1,100}:)[^\s]{1,200}\s{1,3}--(?:mirror|all)\b|\bgit remote add\s{1,3}([\w.-]{1,40})\s{1,3}(?:https?:\/\/|ssh:\/\/|git@)[^\n]{1,200}?\bgit push\s{1,3}(?:-\S{1,10}\s{1,3})?\1\s{1,3}--(?:all|mirror)\b/i;

/** Literals (lower case) every match of REPO_MIRROR_OUT contains. */
export const REPO_MIRROR_GATES: readonly string[] = ['push'];
/**
 * The whole process environment (round 11), where API keys and tokens live: `os.environ`, `process.env` taken whole,
 * `$(env)`, `printenv` with no name, `env |`, PowerShell's `env:` drive. Read whole and sent to a URL, it leaves with
 * every secret in it; a program reading one variable (`process.env.HOME`, `os.environ['PATH']`) does not.
 */
export const ENV_DUMP = /\bos\.environ\b(?!\s{0,2}(?:\[|\.get\b))|\bprocess\.env\b(?!\s{0,2}[.\[])|\$\(\s{0,2}(?:env|printenv)\s{0,2}\)|`(?:env|printenv)`|\bprintenv\s{0,3}(?:\||$|\))|(?:^|[;&|(]\s{0,3})env\s{0,3}\||\bget-childitem\s{1,3}env:|\bgci\s{1,3}env:/im;
/** A URL that leaves the machine (not localhost). */
const OUTSIDE_URL = /\bhttps?:\/\/(?!(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|0\.0\.0\.0)(?:[:/]|$))[\w.-]{1,200}/i;
/** Literals (lower case) every match of ENV_DUMP contains: each of its forms names `env` or `environ`. */
export const ENV_DUMP_GATES: readonly string[] = ['env'];

/** A DNS lookup: a tool named for it, or a resolver command. */
const DNS_TOOL = /dns|resolv|lookup|nslookup|\bdig\b/i;
/** A resolver command in the text, and the literals (lower case) one of which every match of it contains. */
export const DNS_COMMAND = /\b(?:dig|nslookup|host|drill|resolve-dnsname)\b/i;
export const DNS_COMMAND_GATES: readonly string[] = ['dig', 'nslookup', 'host', 'drill', 'resolve-dnsname'];

/**
 * The cheap pass before the check (session 9): one scan of the text for the literals of every regex the check runs.
 * When none is there, none of those regexes can match, so the check has nothing to find. On the NATS bench's
 * `tools/call` arguments the gate stays closed and the three regex searches (~1 µs per call) are skipped.
 */
const GATE = new TriggerIndex([[...DNS_COMMAND_GATES, ...REPO_MIRROR_GATES, ...ENV_DUMP_GATES, ...CHANNEL_SHAPES.flatMap((c) => c.gates)]], true, true);
const gateHit = new Uint8Array(1);

/** True when the text holds a literal of one of the check's regexes (ASCII case folded, as the regexes' `i` flag). */
export function channelGateOpen(text: string): boolean {
  gateHit[0] = 0;
  GATE.scan(text, gateHit);
  return gateHit[0] === 1;
}
/** A host name whose first label is long and encoded (base64/base32/hex): data riding in a DNS query. */
const ENCODED_LABEL = /(?:^|[\s"'@/=])([A-Za-z0-9_+-]{24,63})\.(?:[\w-]{1,63}\.){1,4}[a-z]{2,24}\b/;

/** True when an encoded label decodes to readable text (base64 or hex): a secret spelled out for the resolver. */
function decodesToText(label: string): boolean {
  const tries: Buffer[] = [];
  if (/^[0-9a-f]+$/i.test(label) && label.length % 2 === 0) tries.push(Buffer.from(label, 'hex'));
  tries.push(Buffer.from(label.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  for (const b of tries) {
    if (b.length < 12) continue;
    let printable = 0;
    for (const c of b) if (c >= 0x20 && c < 0x7f) printable++;
    if (printable / b.length >= 0.9) return true;
  }
  return false;
}

/**
 * What a call carries out: the channel it uses and the sensitive data in it, or undefined. `tool` (the called tool's
 * name) tells a DNS lookup tool, whose host argument may carry encoded data without any command around it.
 */
export function channelCarries(text: string, tool = ''): { channel: string; carried: string } | undefined {
  if (text.length > 64 * 1024) text = text.slice(0, 64 * 1024);
  const dnsTool = DNS_TOOL.test(tool);
  if (!dnsTool && !channelGateOpen(text)) return undefined;
  return carriedOut(text, dnsTool);
}

/** The check itself, with no gate (exported for the gate test, which compares the two on every text). */
export function channelCarriesUngated(text: string, tool = ''): { channel: string; carried: string } | undefined {
  if (text.length > 64 * 1024) text = text.slice(0, 64 * 1024);
  return carriedOut(text, DNS_TOOL.test(tool));
}

function carriedOut(text: string, dnsTool: boolean): { channel: string; carried: string } | undefined {
  if (dnsTool || DNS_COMMAND.test(text)) {
    const label = ENCODED_LABEL.exec(text);
    if (label && decodesToText(label[1]!)) return { channel: `DNS name ${label[0].trim().slice(0, 80)}`, carried: 'data encoded in a DNS label' };
  }
  const env = ENV_DUMP.exec(text);
  if (env) {
    const url = OUTSIDE_URL.exec(text);
    if (url) return { channel: url[0].slice(0, 200), carried: 'the process environment' };
  }
  const mirror = REPO_MIRROR_OUT.exec(text);
  if (mirror) return { channel: mirror[0].slice(0, 200), carried: 'the whole repository' };
  const channel = EXFIL_CHANNEL.exec(text);
  if (!channel) return undefined;
  const carried = SECRET_MATERIAL.exec(text) ?? CREDENTIAL_FILE.exec(text);
  return carried ? { channel: channel[0].slice(0, 200), carried: carried[0].slice(0, 40) } : undefined;
}
