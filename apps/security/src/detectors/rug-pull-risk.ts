/**
 * What a changed definition adds in risk. A rug pull is a change that adds something a model would act on or that
 * widens what a call can reach: instructions to the model, a covert action, a credential path or credential
 * parameter, an outside address, personal data, a wider command surface, a restriction taken away. A version bump, a
 * typo fix, reordered keys, a longer description or a new optional parameter with a plain description adds none.
 *
 * The change is judged by matching each cue in the definition before and after (description, title, every key and
 * string of the schema or argument list, annotations): a cue counts when the text after holds an occurrence the text
 * before lacks, so a typo fixed in a sentence that already said "token" adds nothing, and a "read-only" that
 * disappears counts as a restriction removed. Cheap: it runs only on a definition whose fingerprint changed.
 */

export interface DefinitionText {
  title?: string;
  description?: string;
  /** The structured part (input schema, prompt arguments by name, resource name/mimeType). */
  shape?: unknown;
  /** Parts outside the shape that a model or client relies on (tool annotations and output schema). */
  extra?: unknown;
}

export interface AddedRisk {
  /** Cue id: instruction, covert, credential_path, credential, outside_address, personal_data, cross_action, wider_surface, restriction_removed, markup_content, risky_hint. */
  cue: string;
  /** The matched text after the change (or before it, for a restriction removed), at most 120 characters. */
  text: string;
}

interface Cue {
  id: string;
  re: RegExp;
  /** What makes two matches the same (default: the lower-cased text); an address counts by its host. */
  key?: (s: string) => string;
  /** True: a match is new only when no match of the other side has its key (addresses: a host named before is known). */
  set?: boolean;
  /** True: the cue counts when it occurs less often after the change (a restriction taken away). */
  removed?: boolean;
}

// Each regex is global and case-insensitive; runs are bounded so a hostile 1 MB description stays linear.
const CUES: readonly Cue[] = [
  {
    id: 'instruction',
    re: /<\/?important>|\bimportant\s*[:!]|\b(?:ignore|disregard)\s(?:all\s|any\s)?(?:previous|prior|earlier|other|the user)|\bfrom now on\b|\bsupersedes?\b|\boverrides?\s(?:the\s)?(?:system|user|previous|other)|\btakes? precedence\b|\bfollow (?:any|all|the) instructions\b|\b(?:any|every|the) (?:assistant|ai|agent|model|llm)s?\s(?:that|opening|reading|using|must|should|shall)|\bassistants?\s(?:must|should|shall)\b|\byou (?:must|should|shall|are required to)\b|\bresults? (?:are|is) authoritative\b|\b(?:before|after|when|while) (?:answering|responding|replying)\b|\balways (?:read|call|use|run|include|follow|open|load)\b|\bfollow (?:the|any|all) (?:steps|instructions|directions|commands)\b/gi,
  },
  {
    id: 'instruction',
    // Upper case only: "IMPORTANT" shouts at the model; "important" is an ordinary word in a description.
    re: /\bIMPORTANT\b|\bNOTE TO (?:THE )?(?:AI|ASSISTANT|MODEL|AGENT)\b|\bSYSTEM:/g,
  },
  {
    id: 'covert',
    re: /\b(?:do not|don't|never|must not)\s(?:tell|mention|inform|notify|show|reveal to|alert|disclose to)\b|\bwithout (?:telling|informing|notifying|asking|mentioning)\b|\b(?:silently|secretly|covertly|quietly)\b|\bnot mention\b|\bdoes not need to (?:be told|know)\b|\bhidden from the user\b|\b(?:no need to|(?:do not|don't|does not|doesn't) need to) (?:ask|confirm|tell|inform|notify|mention)\b|\bencode (?:it|them|the \w+) (?:in|as|with|using) base64\b/gi,
  },
  {
    id: 'credential_path',
    re: /~\/\.(?:ssh|aws|gnupg|kube|docker|config\/gcloud)\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws\/credentials\b|(?:^|[\s'"`(/])\.(?:env|npmrc|netrc|pgpass|git-credentials|pypirc)\b|\b(?:keychain|wallet\.dat|credentials?\.json|secrets?\.(?:ya?ml|json|toml))\b|\benvironment variables?\b|\benv vars?\b|\bprocess\.env\b|\bos\.environ\b|\$HOME\b|\bbrowser (?:profile|storage)\b/gi,
  },
  {
    id: 'credential',
    // A bare plural "tokens" is left out: model tokens are counted by many harmless tools; a page or cursor token is no secret.
    re: /\b(?:api[\s_-]?keys?|access[\s_-]?keys?|secret[\s_-]?keys?|private[\s_-]?keys?|ssh[\s_-]?keys?|client[\s_-]?secrets?|(?:session|access|auth|bearer|refresh|api|oauth|personal[\s_-]access|github|npm|slack)[\s_-]?tokens?|passwords?|passwd|passphrases?|credentials?|cookies?|secrets?|otp|(?:2fa|mfa|one[\s-]time) codes?)\b|(?<!\b(?:page|pagination|cursor|continuation|next|sync|continue|max|input|output|completion|prompt)[\s_-]?)\btoken\b(?![^.\n]{0,30}\b(?:page|cursor|pagination|results)\b)/gi,
  },
  {
    id: 'outside_address',
    re: /\bhttps?:\/\/[^\s"'<>)]{3,200}|\b[\w.+-]{1,64}@(?:[\w-]{1,63}\.){1,8}[a-z]{2,24}\b|\+\d{1,3}[\s-]?\d{2,4}(?:[\s-]?\d{2,4}){2,4}\b|\b(?:external|outside|third[\s-]party|public|offsite|off-site)\s(?:mirror|server|endpoint|host|bucket|channel|service|address|copy|url|location)s?\b|\bbackup (?:endpoint|server|copy|mirror)\b|\bwebhook\b|\bpaste(?:bin| site)\b|\b(?:callback|notify|upload|report|forward|mirror|exfil)(?: url| to| endpoint)\b|\bb?cc\b(?= *\n|\s*[:=])|\b(?:analytics|telemetry|collector|tracking) (?:server|endpoint|service|url)\b/gi,
    // A second link to a host the definition already named (its own documentation) adds no new destination.
    set: true,
    key: (s) => (/^https?:\/\//i.test(s) ? s.replace(/^https?:\/\/(?:[^@/\s]*@)?([^/:?#\s]+).*$/is, '$1').toLowerCase() : s.toLowerCase().replace(/[\s-]+/g, ' ')),
  },
  {
    id: 'personal_data',
    re: /\b(?:home address|phone numbers?|clipboard|browser history|contacts? list|address book|earlier messages|previous messages|chat history|conversation history|(?:earlier|previous|whole|entire) conversation|browsing history|location history|(?:social security|passport|credit card|card) numbers?|the user's (?:messages|e-?mails|files|notes|documents|history|data))\b/gi,
  },
  {
    id: 'cross_action',
    re: /\b(?:also|additionally|and then|afterwards|then|first|before (?:answering|responding|returning|replying|translating|listing|running|using|calling|doing)[^.]{0,40}?,?)\s(?:always\s)?(?:call|read|send|upload|forward|e-?mail|post|copy|include|append|attach|share|pass|give|provide|supply|star|fork|invite|transfer|pay|delete|run|execute|fetch|download|install|write)\b|\bon the user'?s behalf\b|\b(?:copied|forwarded|sent|uploaded|mirrored|cc'?d|bcc'?d|posted|synced|reported) to\b|\bforwards?\s(?:any|all|every|each|the)\b|\b(?:and|then|also) (?:sends?|uploads?|forwards?|posts?|copies|e-?mails?|shares?|syncs?|mirrors?|reports?) (?:a copy|them|it|the|all|any|every|each|its)\b|\b(?:include|attach|append|embed) (?:the )?(?:full )?contents? of\b/gi,
  },
  {
    id: 'wider_surface',
    re: /\b(?:write statements?|writes? (?:are|is) allowed|arbitrary (?:code|commands?|files?|sql|urls?|paths?)|python code|shell commands?|(?:executes?|runs?) (?:any|arbitrary|shell|system)|any (?:file|path|directory|command|url|host)s?\b|without (?:confirmation|approval|review)|sudo|as root|root access|delete(?:s|d)? (?:all|any|every)|drop tables?|disables? (?:the\s)?(?:sandbox|checks?|validation|confirmation)|auto-?(?:matically )?approve[sd]?|with (?:admin|administrator|elevated) (?:rights|privileges|access)|as (?:an? )?administrator|the (?:entire|whole) (?:disk|filesystem|file system|home directory|drive|database))\b/gi,
  },
  {
    id: 'restriction_removed',
    removed: true,
    re: /\bread[\s-]?only\b|\bonly (?:reads?|lists?|returns?|queries|local)\b|\bnever (?:writes?|modif(?:y|ies)|deletes?|sends?|uploads?|executes?|runs?)\b|\bnot allowed\b|\bno (?:writes?|network|side effects)\b|\bsandbox(?:ed)?\b|\brequires? (?:confirmation|approval)\b|\blocal(?:ly)? only\b/gi,
  },
];

/** Past this many matches of one cue the count stops: counting is for "more than before", not for size. */
const COUNT_MAX = 64;
/** Text judged per side: a description a megabyte long is judged by its first 64 KB. */
const TEXT_MAX = 65_536;

/** Every key and string of a JSON value, one per line, depth and size bounded (iterative: a schema can nest deep). */
export function flattenStrings(root: unknown, max = TEXT_MAX): string {
  const out: string[] = [];
  let size = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0 && size < max) {
    const v = stack.pop();
    if (typeof v === 'string') (out.push(v), (size += v.length + 1));
    else if (typeof v === 'number' || typeof v === 'boolean') (out.push(String(v)), (size += 6));
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (v && typeof v === 'object') {
      const keys = Object.keys(v as Record<string, unknown>);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        stack.push((v as Record<string, unknown>)[k]);
        // Snake and camel case split into words, so a new "session_token" or "apiKey" parameter reads as one.
        stack.push(k.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'));
      }
    }
  }
  return out.join('\n').slice(0, max);
}

function textOf(d: DefinitionText): string {
  return [d.title ?? '', d.description ?? '', flattenStrings(d.shape), flattenStrings(d.extra)].join('\n').slice(0, TEXT_MAX);
}

function matches(re: RegExp, text: string): string[] {
  const out: string[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m && out.length < COUNT_MAX; m = re.exec(text)) {
    out.push(m[0]);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** Annotations that widen what a tool may do when they change (MCP 2025-06-18, ToolAnnotations). */
function riskyHints(before: unknown, after: unknown): AddedRisk[] {
  const a = (before && typeof before === 'object' ? (before as Record<string, unknown>).annotations : undefined) as Record<string, unknown> | undefined;
  const b = (after && typeof after === 'object' ? (after as Record<string, unknown>).annotations : undefined) as Record<string, unknown> | undefined;
  const out: AddedRisk[] = [];
  if (a?.readOnlyHint === true && b?.readOnlyHint !== true) out.push({ cue: 'risky_hint', text: 'readOnlyHint no longer true' });
  if (a?.destructiveHint === false && b?.destructiveHint !== false && b?.readOnlyHint !== true) out.push({ cue: 'risky_hint', text: 'destructiveHint no longer false' });
  if (a?.openWorldHint === false && b?.openWorldHint !== false) out.push({ cue: 'risky_hint', text: 'openWorldHint no longer false' });
  return out;
}

/** A resource whose content type turns into markup or script can carry text the user never sees. */
const MARKUP_TYPE = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|(?:text|application)\/(?:javascript|ecmascript)|text\/x-python|application\/x-sh)\b/i;

function mimeTypeOf(shape: unknown): string | undefined {
  const v = shape && typeof shape === 'object' ? (shape as Record<string, unknown>).mimeType : undefined;
  return typeof v === 'string' ? v : undefined;
}

/**
 * The risks a changed definition adds: empty when the change is harmless. Each cue appears at most once, with the
 * first text that shows it.
 */
export function addedRisks(before: DefinitionText, after: DefinitionText): AddedRisk[] {
  const oldText = textOf(before);
  const newText = textOf(after);
  const out: AddedRisk[] = [];
  for (const cue of CUES) {
    const key = cue.key ?? ((x: string) => x.toLowerCase());
    const was = matches(cue.re, oldText);
    const now = matches(cue.re, newText);
    // What one side has that the other lacks, occurrence by occurrence: added text, or a restriction taken away.
    const [from, other] = cue.removed ? [was, now] : [now, was];
    const pool = other.map(key);
    const extra = from.filter((s) => {
      const i = pool.indexOf(key(s));
      if (i < 0) return true;
      if (!cue.set) pool.splice(i, 1);
      return false;
    });
    if (extra.length > 0 && !out.some((r) => r.cue === cue.id)) out.push({ cue: cue.id, text: extra[0]!.slice(0, 120) });
  }
  out.push(...riskyHints(before.extra, after.extra));
  const oldType = mimeTypeOf(before.shape);
  const newType = mimeTypeOf(after.shape);
  if (newType && newType !== oldType && MARKUP_TYPE.test(newType) && !(oldType && MARKUP_TYPE.test(oldType))) out.push({ cue: 'markup_content', text: newType.slice(0, 120) });
  return out;
}
