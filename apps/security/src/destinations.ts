/**
 * Where data would go: the destinations a text names (an e-mail address, a URL's host, a messenger bot, a phone
 * number, an outward tool it tells its reader to call), minus the ones that are no destination (a placeholder, an
 * example, a contact for questions or bug reports, someone credited in parentheses). Shared by the context detector (a
 * fixed recipient in a tool listing, round 17c) and the verdict (an injection inside data that names a destination is
 * exfiltration as well, round 18c).
 *
 * Every regex is bounded; at most `MAX_TRIES` matches of each shape are looked at, in the first 64 KB of a text.
 */

/** Local parts that only hold a place ("user@", "your.name@", "john.doe@"). */
export const PLACEHOLDER_LOCAL = /^(?:user|users|you|your[\w.-]{0,20}|name|first\.?last|someone|somebody|me|john\.?doe|jane\.?doe|j\.?doe|foo|bar|alice|bob|test|email|mail|address|username|x+)$/i;
/** Documentation, placeholder and non-routable domains. */
export const PLACEHOLDER_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|(?:domain|email|mail|company|yourcompany|yourdomain|your-domain|mycompany|acme|test|invalid|localhost|host|server|corp|org|site)\.[a-z]{2,6})$|\.(?:test|invalid|localhost|local|localdomain|lan|home|internal|intranet|corp|htb)$|^(?:example|x+|\w)\.[a-z]{2,4}$/i;
/** An example or a format is being shown ("e.g.", "such as", "format"), in the writers' languages. */
export const EXAMPLE_BEFORE = /(?:e\.g\.|i\.e\.|example|such as|like|format|z\. ?b\.|p\. ?ej\.|por exemplo|par exemple|ex\.|例如|例：|예:|예시|например|z\.b\.)[^.\n]{0,40}$/i;
/** A contact for people (support, bug reports, the author, a licence holder), not a recipient for data. */
export const CONTACT_BEFORE = /(?:contact|support|help|report|maintain\w{0,4}|author|questions?|feedback|reach|issues?|bugs?|licen[cs]e|copyright)\b[^.\n]{0,30}$/i;

const MAX_TEXT = 64 * 1024;
const MAX_TRIES = 8;

/** An e-mail address whose domain ends in letters (no underscore in a label: `PROJECT_ID.iam…` is a template). */
const ADDRESS = /[\w.+-]{1,64}@((?:[a-z0-9-]{1,63}\.){1,4}[a-z]{2,24})(?![\w.-]*\w)/gi;
/** A URL with a host name (not an IP literal: a lab or a local service). */
const URL = /\bhttps?:\/\/((?:[a-z0-9-]{1,63}\.){1,6}[a-z]{2,24})(?![\w-])/gi;
/** A messenger bot's handle ("@support_restore_bot"). */
const BOT = /(?<![\w.@])@\w{2,40}bot\b/gi;
/** A phone number in international form, or a chat id given to a messenger tool ("chat_id 58812394"). */
const PHONE = /(?<![\w+])\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,4}){2,4}(?![\w])|\bchat[_ ]?id\b["']?\s{0,2}[:=]?\s{0,2}["']?-?\d{5,16}\b/gi;
/**
 * A tool that carries data out, named as a tool: in backticks, or followed by "tool" (in the writers' languages) or an
 * opening parenthesis ("call send_sms with …", "`http_request`", "http_post(url=…)").
 */
const OUTWARD_TOOL_NAMED = /(?<![\w-])(?:[a-z]{1,20}[_.])?(?:send|post|upload|http|mail|email|fetch|webhook|share|forward|request|submit|sms|telegram|whatsapp|slack)(?:[_.][a-z_]{1,30})?(?:`(?:\s{0,2}(?:tool|function|herramienta|outil|werkzeug|tool-?aufruf|strumento|ferramenta|narzędzi\p{L}{0,3}|도구|ツール|工具|инструмент\p{L}{0,3}))?|\s{0,2}\(|\s{1,2}(?:tool|function|herramienta|outil|strumento|ferramenta)\b)/giu;
/** A tool name needs its separator or its backtick to be a name: "send (" in prose is not one. */
const NAME_SHAPE = /[_.`]/;

export interface Destination {
  kind: 'address' | 'url' | 'bot' | 'phone' | 'tool';
  /** What is shown: an address, a URL's scheme and host only (its path or query may hold a token or the data), a name. */
  shown: string;
  start: number;
  end: number;
}

const excluded = (text: string, at: number): boolean => {
  const before = text.slice(Math.max(0, at - 80), at);
  return EXAMPLE_BEFORE.test(before) || CONTACT_BEFORE.test(before) || /\(\s?$/.test(before);
};

/** The first destination the text names, or undefined. */
export function outsideDestination(raw: string): Destination | undefined {
  const text = raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw;
  let m: RegExpExecArray | null;
  if (text.includes('@')) {
    ADDRESS.lastIndex = 0;
    for (let n = 0; n < MAX_TRIES && (m = ADDRESS.exec(text)) !== null; n++) {
      const local = m[0].slice(0, m[0].length - m[1]!.length - 1);
      if (PLACEHOLDER_LOCAL.test(local) || PLACEHOLDER_DOMAIN.test(m[1]!) || excluded(text, m.index)) continue;
      return { kind: 'address', shown: m[0], start: m.index, end: m.index + m[0].length };
    }
    BOT.lastIndex = 0;
    for (let n = 0; n < MAX_TRIES && (m = BOT.exec(text)) !== null; n++) {
      if (excluded(text, m.index)) continue;
      return { kind: 'bot', shown: m[0], start: m.index, end: m.index + m[0].length };
    }
  }
  if (text.includes('://')) {
    URL.lastIndex = 0;
    for (let n = 0; n < MAX_TRIES && (m = URL.exec(text)) !== null; n++) {
      if (PLACEHOLDER_DOMAIN.test(m[1]!) || excluded(text, m.index)) continue;
      return { kind: 'url', shown: m[0], start: m.index, end: m.index + m[0].length };
    }
  }
  PHONE.lastIndex = 0;
  for (let n = 0; n < MAX_TRIES && (m = PHONE.exec(text)) !== null; n++) {
    if (excluded(text, m.index)) continue;
    return { kind: 'phone', shown: m[0], start: m.index, end: m.index + m[0].length };
  }
  OUTWARD_TOOL_NAMED.lastIndex = 0;
  for (let n = 0; n < MAX_TRIES && (m = OUTWARD_TOOL_NAMED.exec(text)) !== null; n++) {
    if (!NAME_SHAPE.test(m[0]) || excluded(text, m.index)) continue;
    const name = m[0].replace(/[`(]|\s.*$/gu, '').trim();
    return { kind: 'tool', shown: name, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
