/**
 * Round 17c (issue 19): a call that puts private data on its way out, judged by the data's shape, not by the words
 * around it. `leakSentOut` (verdict.ts) already reports a call whose arguments hold something the secrets detector
 * flags; on 36 writers' text most missed exfiltration calls held data that detector does not read as a leak: a login
 * handed over in another language ("Mật khẩu: Hoamai@2019", "admin / JHX8nlYvz"), a token under a key-named field
 * inside a request body, a table of people with birth dates and identity numbers, a card number with no card word
 * nearby, data hidden in base64 or in a DNS label, a customer export or a credential store published to a public
 * bucket, a repository mirrored to a new remote.
 *
 * Two parts must meet:
 * - the call **leaves the host**: an address, URL, handle or phone number in an argument, a bucket, broker or remote,
 *   a recipient-named argument, or a public flag (`acl: public-read`, `public: true`);
 * - its payload (any argument but the destination itself and the call's own credentials in headers or top-level auth
 *   fields) holds one of the shapes below.
 *
 * The shapes are language-independent where the data is (numbers, tokens, paths); the one list of words is the label
 * of a password in the writers' languages. Every regex is bounded; at most 256 strings of at most 16 KB are read.
 */
import { credentialPathRegex } from './credential-paths';
import { isTestCardNumber, luhnValid } from './secret-patterns';

export interface PayloadOut {
  /** Which shape was found. */
  shape: string;
  /** Where: the argument path (relative to `params.arguments`). */
  field: string;
  /** The destination the call names (an address, a URL's scheme and host, a bucket) or the public flag. */
  destination: string;
}

const MAX_STRINGS = 256;
const MAX_LEN = 16 * 1024;

function flatten(v: unknown, path: string, out: [string, string][], depth = 0): void {
  if (out.length >= MAX_STRINGS || depth > 8) return;
  if (typeof v === 'string') out.push([path, v.length > MAX_LEN ? v.slice(0, MAX_LEN) : v]);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push([path, String(v)]);
  else if (Array.isArray(v)) for (let i = 0; i < v.length && out.length < MAX_STRINGS; i++) flatten(v[i], `${path}[${i}]`, out, depth + 1);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (out.length >= MAX_STRINGS) break;
      flatten(x, path ? `${path}.${k}` : k, out, depth + 1);
    }
}

/** An address, a URL with a host, a storage or broker URL, a messenger handle or channel, a phone number. */
const DESTINATION = /[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,}|\b(?:https?|s?ftp|wss?|mqtts?|s3|gs|az):\/\/[\w-]{1,63}[.\w-]{0,200}|^[@#][\w.-]{3,64}$|^\+?\d[\d ()-]{7,18}\d$/i;
/** What every DESTINATION match holds (an @, a scheme's ://, a leading # or +, a digit): a cheap first test. */
const MAY_BE_DESTINATION = /[@:#+\d]/;
/** Argument names that say where the data goes. */
const DESTINATION_NAMES = String.raw`(?:to|cc|bcc|recipients?|para|destinatario|odbiorca|宛先|channel(?:_id)?|chat(?:_id)?|room(?:_id)?|attendees|guests|webhook(?:_url)?|url|endpoint|host(?:name)?|broker|bucket|remote|destination|phone|number)`;
const DESTINATION_FIELD = new RegExp(String.raw`(?:^|\.)${DESTINATION_NAMES}(?:\[\d+\])?$`, 'i');
/** A public flag: the data is published, whoever reads it. */
const PUBLIC_FLAG = /^(?:acl|visibility|access|privacy)$/i;
const PUBLIC_VALUE = /^(?:public(?:-read(?:-write)?)?|anyone|everyone)$/i;

/** The call's own credentials: a header, a top-level auth or token field (a key there is spent, not sent). */
const OWN_CREDENTIAL = /^(?:headers?|auth\w{0,12})\.|^(?:authorization|auth|api_?key|apikey|token|access_token|bearer|password|user(?:name)?|login)$/i;

/** A password's label in the writers' languages, then a chosen value (a digit or a symbol among letters). */
const LABEL = String.raw`(?:password|passwd|pwd|pass|passcode|passphrase|pin|otp|contraseña|contrasena|clave|senha|mot de passe|mdp|passwort|kennwort|parola|hasło|haslo|пароль|密码|密碼|口令|パスワード|暗証番号|비밀번호|mật khẩu|mã otp|รหัสผ่าน|סיסמה|كلمة (?:المرور|السر)|पासवर्ड|şifre|sifre|parolă|wachtwoord|lösenord|salasana|heslo|jelszó|κωδικός|kata sandi|cvv|cvc)`;
// The word start is checked in code (a lookbehind at every position of every string cost more than the rest).
const CREDENTIAL_VALUE = new RegExp(String.raw`${LABEL}(?![\p{L}])[^\n:=：]{0,20}?[:=：]?\s{0,3}["'「]?([^\s"'」,;]{3,64})`, 'giu');
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SHORT_CODE_LABEL = /\b(?:pin|otp|cvv|cvc)\b|暗証|mã otp/i;
/** Words that mark a value as one to be filled in. */
const PLACEHOLDER_WORD = /placeholder|example|changeme|change_me|dummy|your[_-]|<|\{\{/i;
/** A login handed over: "name / secret" with a chosen secret. */
const LOGIN_PAIR = /(?:^|[\s:：(])[\w.@\\-]{2,40} ?\/ ?([^\s/]{6,40})(?=\s|$|[,;)])/gmu;
/** An assignment of a key-named variable to a long token ("NOTION_TOKEN=secret_…", "sid=…"). */
const KEY_ASSIGNMENT = /(?:^|[\s;&?"'{,])(?:[a-z_]{0,24}(?:token|secret|api_?key|apikey|passw(?:or)?d|private_key|session|sid|cookie)[a-z_]{0,12})\s{0,2}[:=]\s{0,2}["']?([\w+/=%.:-]{16,200})/gimu;
/** A field named for a secret, below the top level (a request body, a published file's JSON). */
const KEY_FIELD = /(?:^|[._-])(?:api_?key|apikey|token|secret|passw(?:or)?d|pass|private_key|session|cookie|credentials?)$/i;

const classes = (v: string) => [/[a-z]/.test(v), /[A-Z]/.test(v), /\d/.test(v), /[^\w\s]/.test(v)].filter(Boolean).length;
/** Looks chosen: three character classes with a digit or a symbol (not a word, a date, a URL or a placeholder). */
function chosen(v: string): boolean {
  return v.length >= 6 && classes(v) >= 3 && /[\d\W]/.test(v) && !/^https?:|^\$\{|^<|^\{\{|^x{4,}|^\*{3,}|^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/i.test(v);
}
const tokenLike = (v: string) => v.length >= 16 && /\d/.test(v) && /[a-z]/i.test(v) && !/^https?:|^\$\{|^<|\{\{|(?:x{6,}|your|example|placeholder|changeme)/i.test(v);

function credentialIn(text: string): string | undefined {
  CREDENTIAL_VALUE.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let n = 0; n < 16 && (m = CREDENTIAL_VALUE.exec(text)) !== null; n++) {
    if (m.index > 0 && LETTER_OR_DIGIT.test(text[m.index - 1]!)) continue;
    const v = m[1]!;
    // A placeholder ("pwd=abc123placeholder") hands over no login (fp25). A meeting link's join code still counts here:
    // sent to an outside address it lets a stranger into the meeting.
    if (PLACEHOLDER_WORD.test(v)) continue;
    if (chosen(v) || (v.length >= 6 && /\d/.test(v) && /\p{L}/u.test(v) && !/^\p{L}+$/u.test(v)) || (SHORT_CODE_LABEL.test(m[0]) && /^\d{3,8}$/.test(v))) return 'credential_value';
  }
  LOGIN_PAIR.lastIndex = 0;
  if (text.includes('/'))
    for (let n = 0; n < 16 && (m = LOGIN_PAIR.exec(text)) !== null; n++) if (chosen(m[1]!) && /\d/.test(m[1]!) && !/^\d/.test(m[1]!)) return 'login_pair';
  KEY_ASSIGNMENT.lastIndex = 0;
  if (text.includes('=') || text.includes(':'))
    for (let n = 0; n < 16 && (m = KEY_ASSIGNMENT.exec(text)) !== null; n++) if (tokenLike(m[1]!)) return 'key_assignment';
  return undefined;
}

/** A birth date (a full date with a year from 1920 to 2009), an IBAN, an identity number (8–13 digits, maybe grouped). */
const BIRTH_DATE = /(?<!\d)(?:(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19[2-9]\d|200\d)|(?:19[2-9]\d|200\d)[./-](?:0[1-9]|1[0-2])[./-](?:0[1-9]|[12]\d|3[01]))(?!\d)/;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b/;
/** An identity, account or phone number: 8+ digits, unbroken or in groups ("880412-1388071", "+44 7700 918 442"). */
const ID_NUMBER = /(?<![\d.,])\+?(?:\d{8,13}|\d{2,8}(?:[ -]\d{2,8}){1,4})(?:-?[A-Z])?(?![\d.,])/g;
function idNumbers(p: string): number {
  ID_NUMBER.lastIndex = 0;
  let n = 0;
  let m: RegExpExecArray | null;
  for (let i = 0; i < 8 && (m = ID_NUMBER.exec(p)) !== null; i++) if (m[0].replace(/\D/g, '').length >= 8 && !BIRTH_DATE.test(m[0])) n++;
  return n;
}
/** A card number: 13–19 digits, maybe grouped by fours, Luhn-valid, not a published test number. */
const CARD = /\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}(?![\d-])/g;
function cardIn(text: string): boolean {
  CARD.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let n = 0; n < 16 && (m = CARD.exec(text)) !== null; n++) {
    if (m.index > 0 && /[\d-]/.test(text[m.index - 1]!)) continue;
    const d = m[0].replace(/\D/g, '');
    if (d.length >= 13 && d.length <= 19 && !isTestCardNumber(d) && luhnValid(d)) return true;
  }
  return false;
}
/** People listed with identifiers: two or more records (lines, or `;`-separated entries) each holding a name-like word and a birth date, an IBAN or an identity number, and one of them a birth date or an IBAN or two identifiers. */
function recordsIn(text: string): boolean {
  const parts = text.split(/\n|;\s|\},\s?\{/, 64);
  let records = 0;
  let strong = false;
  for (const p of parts) {
    if (p.length > 400 || !/\p{L}{2,}/u.test(p)) continue;
    const n = (BIRTH_DATE.test(p) ? 1 : 0) + (IBAN.test(p) ? 1 : 0) + idNumbers(p);
    if (n === 0) continue;
    records++;
    if (n >= 2) strong = true;
  }
  return records >= 2 && strong;
}

/** Files whose name says they hold people's records or a dump of them (an export of customers, patients, payroll …). */
const PEOPLE_EXPORT = /(?:customers?|clients?|members?|users?|patients?|employees?|staff|payroll|salar\w{0,4}|candidates?|tenants?|contacts?|kyc|pii|claims|counsel\w{0,6}|enrol+ment|students?|donors?|voters?|passports?|ssn|padr[oó]n|clientes|kunden|pacientes)[\w.-]{0,40}\.(?:csv|xlsx?|sql(?:\.gz)?|gz|parquet|json|jsonl|zip|db|vcf|bak|dump)\b/i;
/** A data store of messages, browser secrets or a domain's password hashes. */
const PRIVATE_STORE = /(?:^|[\\/])(?:Cookies|Login Data|chat\.db|msgstore\.db[\w.]*|ntds\.dit|SAM|SYSTEM|[\w.-]{1,40}\.keyring|[\w.-]{1,40}\.kdbx)$/;
const CREDENTIAL_FILE = credentialPathRegex({ dirs: true });
/** Fields that name a file to be sent (its contents go, not its name). */
const SOURCE_FIELD = /(?:^|\.)(?:source\w{0,6}|src|file\w{0,8}|path|local\w{0,6}|attachments?|documents?|body_from\w{0,6}|content_from|arquivo|ファイル|extra_files|upload)(?:\[\d+\])?$/i;

/** A long hex, base64 or base32 label in a host name that decodes to readable text. */
const ENCODED_LABEL = /^([A-Za-z0-9_+-]{16,63})\.(?:[\w-]{1,63}\.){1,4}[a-z]{2,24}$/;
const HOST_TOOL = /ping|dns|resolv|lookup|dig|trace|whois|host/i;
function decodesToText(label: string): boolean {
  const tries: Buffer[] = [];
  if (/^[0-9a-f]+$/i.test(label) && label.length % 2 === 0) tries.push(Buffer.from(label, 'hex'));
  else tries.push(Buffer.from(label.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  if (/^[a-z2-7]+$/i.test(label)) tries.push(base32(label));
  for (const b of tries) {
    if (b.length < 10) continue;
    let printable = 0;
    for (const c of b) if (c >= 0x20 && c < 0x7f) printable++;
    if (printable / b.length >= 0.9) return true;
  }
  return false;
}
function base32(s: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of s.toLowerCase()) {
    const v = ch >= 'a' && ch <= 'z' ? ch.charCodeAt(0) - 97 : ch.charCodeAt(0) - 24; // '2'..'7' → 26..31
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
/** Cards, records and base64 runs all hold digits (four in a row or a base64 run's). */
const HAS_DIGITS = /\d/;
/** A base64 run long enough to hide a record. */
const BASE64_RUN = /[A-Za-z0-9+/]{24,4096}={0,2}/g;

/** The shape of sensitive data in one payload string, or undefined. */
function payloadShape(field: string, text: string, fromBase64 = false): string | undefined {
  const leaf = field.split('.').pop() ?? field;
  if (field.includes('.') && KEY_FIELD.test(leaf.replace(/\[\d+\]$/, '')) && tokenLike(text.trim()) && !/\s/.test(text.trim())) return 'key_in_body';
  if (text.length < 8) return undefined;
  const cred = credentialIn(text);
  if (cred) return cred;
  if (!HAS_DIGITS.test(text)) return undefined;
  if (cardIn(text)) return 'card_number';
  if (recordsIn(text)) return 'people_records';
  if (!fromBase64 && text.length >= 24) {
    BASE64_RUN.lastIndex = 0;
    let m: RegExpExecArray | null;
    for (let n = 0; n < 4 && (m = BASE64_RUN.exec(text)) !== null; n++) {
      if (!/\d/.test(m[0]) || !/[A-Z]/.test(m[0]) || !/[a-z]/.test(m[0])) continue;
      const decoded = Buffer.from(m[0], 'base64').toString('latin1');
      if (!/^[\x20-\x7e\n\t]{12,}$/.test(decoded)) continue;
      const inner = payloadShape(field, decoded, true);
      if (inner) return `base64:${inner}`;
    }
  }
  return undefined;
}

/** A key that names a destination or a public flag (the last segment of DESTINATION_FIELD, PUBLIC_FLAG, `public`). */
const DESTINATION_KEY = new RegExp(String.raw`^(?:${DESTINATION_NAMES}|acl|visibility|access|privacy|public)$`, 'i');

/**
 * The cheap first pass (most calls go nowhere: a search, a read): true when some argument may name a destination or a
 * public flag. No paths are built; a false here means the full pass would find no destination either.
 */
function mayLeave(v: unknown, key: string, depth: number): boolean {
  if (typeof v === 'string') return (v.length <= 160 && MAY_BE_DESTINATION.test(v) && DESTINATION.test(v)) || (key !== '' && DESTINATION_KEY.test(key));
  if (typeof v === 'boolean') return v && key === 'public';
  if (depth > 8 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < MAX_STRINGS; i++) if (mayLeave(v[i], key, depth + 1)) return true;
    return false;
  }
  for (const k in v as Record<string, unknown>) if (mayLeave((v as Record<string, unknown>)[k], k, depth + 1)) return true;
  return false;
}

/** A URL anywhere in a string: its scheme, an optional login and its host (the rest may carry a token). */
const URL_HOST = /\b([a-z][\w+.-]{0,15}:\/\/)(?:[^@\/\s]{0,200}@)?([^\/\s?#:@]{1,253})/i;
/**
 * The destination as an alert shows it: a URL cut to its scheme and host (a webhook's path or a bot URL holds its token,
 * a query string may hold the data), anything else clipped.
 */
function shown(dest: string): string {
  const u = URL_HOST.exec(dest);
  if (u) return `${u[1]}${u[2]}/…`;
  return dest.length > 120 ? `${dest.slice(0, 119)}…` : dest;
}

/**
 * Round 22x: a personal or anonymous drop. A mailbox at a consumer mail service (the address's domain, not its words),
 * named in any argument but the sender's own fields, or an upload whose login is anonymous (anyone can fetch what it
 * leaves). Either is a place outside any organisation's control.
 */
const CONSUMER_MAIL = /^[\w.+-]{1,64}@(?:gmail|googlemail|proton(?:mail)?|pm|outlook|hotmail|live|msn|yahoo|ymail|gmx|web|posteo|seznam|qq|163|126|yandex|icloud|aol|tiscali|libero|zoho|tutanota|tuta|wp|onet|interia|naver|daum|hanmail|rediffmail|freenet|t-online|laposte|virgilio|abv|mail|inbox|rambler|ukr)\.[a-z]{2,6}(?:\.[a-z]{2,3})?$/i;
const SENDER_FIELD = /(?:^|\.)(?:from|sender|reply_?to|author|owner|user(?:name)?|login|mailbox|calendar|account)(?:\[\d+\])?$/i;
const LOGIN_FIELD = /(?:^|\.)(?:user(?:name)?|login)$/i;
const ANONYMOUS_LOGIN = /^(?:anonymous|anon\w{0,6}|guest|ftp)$/i;
/**
 * A path on storage shared by an organisation rather than one person's: an absolute path outside a user's home,
 * temporary files and removable media, a UNC share, or a document store's URL.
 */
const SHARED_STORE = /^(?:\/(?!(?:home|Users|root|tmp|sdcard|storage|DCIM|Download|Documents|Pictures|private|media|Volumes|mnt\/(?:c|d|sdcard)|var\/mobile|var\/folders)\b)[\w.-]{2,40}\/\S|\\\\[\w.-]{2,63}\\\S|(?:smb|nfs|afp|matter|sharepoint|gdrive|dms):\/\/\S)/;
/** Arguments that describe the drop's side (where the data lands), not what is sent. */
const DROP_SIDE = /(?:^|\.)(?:remote\w{0,8}|dest\w{0,10}|target\w{0,6}|to|cc|bcc|url|host(?:name)?)(?:\[\d+\])?$/i;
/** Bulk from that storage: a folder, a glob, a table, an archive, a database or a mail store (one document is not). */
const BULK = /(?:[\\/]|\*[\w.]*|\.(?:csv|tsv|xlsx?|ods|sql|db|sqlite\d?|mdb|accdb|zip|7z|rar|tar|tgz|gz|bz2|xz|bak|dump|json|jsonl|xml|parquet|vcf|pst|mbox))$/i;

/**
 * Bulk data from shared storage (a folder, a glob, an export, or two files or more) sent in a call that names a
 * personal or anonymous drop: the argument path of the first such file and the drop, or undefined.
 */
function sharedStoreToDrop(flat: [string, string][]): [string, string] | undefined {
  let drop: string | undefined;
  for (const [field, text] of flat) {
    const v = text.trim();
    if (v.length > 200) continue;
    if (CONSUMER_MAIL.test(v) && !SENDER_FIELD.test(field)) { drop = v; break; }
    if (LOGIN_FIELD.test(field) && ANONYMOUS_LOGIN.test(v)) {
      const host = flat.find((e) => /(?:^|\.)(?:host(?:name)?|server|url)$/i.test(e[0]));
      drop = host ? `${host[1].trim().slice(0, 100)} (anonymous login)` : 'anonymous login';
      break;
    }
  }
  if (!drop) return undefined;
  let first: string | undefined;
  let files = 0;
  for (const [field, text] of flat) {
    const v = text.trim();
    if (v.length >= 400 || DROP_SIDE.test(field) || !SHARED_STORE.test(v)) continue;
    if (BULK.test(v)) return [field, drop];
    first ??= field;
    if (++files >= 2) return [first, drop];
  }
  return undefined;
}

/** What private data a `tools/call` sends out, by its shape, or undefined. */
export function sensitivePayloadOut(tool: string, args: unknown): PayloadOut | undefined {
  if (!mayLeave(args, '', 0)) return undefined;
  const flat: [string, string][] = [];
  flatten(args, '', flat);
  if (flat.length === 0) return undefined;
  let destination: [string, string] | undefined;
  let published: [string, string] | undefined;
  for (const e of flat) {
    const v = e[1].trim();
    if (!destination && ((v.length <= 160 && MAY_BE_DESTINATION.test(v) && !v.includes('\n') && DESTINATION.test(v)) || (DESTINATION_FIELD.test(e[0]) && v.length >= 3 && !/^(?:true|false|\d{1,5})$/.test(v)))) destination = e;
    const leaf = e[0].split('.').pop() ?? '';
    if (!published && ((PUBLIC_FLAG.test(leaf) && PUBLIC_VALUE.test(v)) || (leaf === 'public' && v === 'true'))) published = e;
  }
  const out = published ?? destination;
  if (!out) return undefined;
  // A repository pushed whole to a remote named in the same call.
  const joined = flat.map((e) => e[1]).join(' ');
  if (/(?:^|\s)push\b/.test(joined) && /(?:^|\s)--(?:all|mirror)\b/.test(joined) && /(?:https?:\/\/|ssh:\/\/|git@)[\w.-]{3,100}/.test(joined)) return { shape: 'repository_mirrored', field: out[0], destination: shown(out[1]) };
  for (const [field, text] of flat) {
    if (field === out[0] && text.length < 400) {
      // The destination itself: only a DNS-style label that carries encoded data counts.
      const label = ENCODED_LABEL.exec(text.trim());
      if (label && HOST_TOOL.test(tool) && decodesToText(label[1]!)) return { shape: 'encoded_dns_label', field, destination: `…${text.trim().split('.').slice(-2).join('.')}` };
      continue;
    }
    if (OWN_CREDENTIAL.test(field)) continue;
    if (SOURCE_FIELD.test(field) && text.length < 400) {
      const t = text.trim();
      if (PRIVATE_STORE.test(t) || CREDENTIAL_FILE.test(t)) return { shape: 'private_store_sent', field, destination: shown(out[1]) };
      if (PEOPLE_EXPORT.test(t) && (published || /public|share|drop|dump|tmp|temp/i.test(out[1]) || DESTINATION.test(out[1]))) return { shape: 'people_export_sent', field, destination: shown(out[1]) };
    }
    const shape = payloadShape(field, text);
    if (shape) return { shape, field, destination: shown(out[1]) };
  }
  const drop = sharedStoreToDrop(flat);
  if (drop) return { shape: 'shared_store_to_personal_drop', field: drop[0], destination: shown(drop[1]) };
  return undefined;
}
