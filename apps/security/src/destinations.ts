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
 * A tool that carries data out, named as a tool: a compound name ("send_sms", "http.post", "webhook_post") in backticks,
 * before an opening parenthesis or before "tool" (in the writers' languages), or a one-word name ("`fetch`") only before
 * "tool". "call send_sms with …" names one; "send (" or a bare "`request`" in prose does not.
 */
const TOOL_WORD = String.raw`(?:tool|function|herramienta|outil|werkzeug|strumento|ferramenta|narzędzi\p{L}{0,3}|도구|ツール|工具|инструмент\p{L}{0,3})`;
const OUTWARD_VERB = '(?:send|post|upload|http|mail|email|fetch|webhook|share|forward|request|submit|sms|telegram|whatsapp|slack)';
const OUTWARD_TOOL_NAMED = new RegExp(
  String.raw`(?<![\w-])((?:[a-z]{1,20}[_.])?${OUTWARD_VERB}(?:[_.][a-z_]{1,30})?)(\x60?)(\s{0,2}\(|\s{0,2}${TOOL_WORD}(?![\p{L}]))?`,
  'giu',
);

/** A URL fetched to be run or installed (a script piped to a shell, an installer, a package index): a source, not a destination. */
const RUN_AFTER = /^[^\s"'<>)\]]{0,300}?(?:\.(?:sh|ps1|exe|bin|msi|dmg|pkg|deb|rpm|whl|bat|cmd|apk|tgz|zip)\b|\/simple\b)|^[^\n]{0,60}?\|\s{0,2}(?:sudo\s{1,2})?(?:ba|z|da)?sh\b/i;
const INSTALL_BEFORE = /(?:index-url|registry\s{0,2}[=:]|pip3? install|npm install|wget|iwr|invoke-webrequest)[^\n]{0,40}$/i;

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
      // A login inside a URL ("https://token@github.com/…") is not a mail address.
      if (/:\/\/\S{0,200}$/.test(text.slice(Math.max(0, m.index - 200), m.index))) continue;
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
      // The page the text came from ("Fetched: https://…", "GET https://… 200" on its first line) is where data came from.
      if (m.index < 200 && !text.slice(0, m.index).includes('\n')) continue;
      if (RUN_AFTER.test(text.slice(m.index + m[0].length, m.index + m[0].length + 320)) || INSTALL_BEFORE.test(text.slice(Math.max(0, m.index - 80), m.index))) continue;
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
    const name = m[1]!;
    const compound = /[_.]/.test(name);
    const toolWord = m[3] !== undefined && !m[3].includes('(');
    // A compound name in backticks, before "(" or before a tool word; a one-word name only before a tool word.
    if (!(compound ? m[2] === '\x60' || m[3] !== undefined : toolWord) || excluded(text, m.index)) continue;
    return { kind: 'tool', shown: name, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
