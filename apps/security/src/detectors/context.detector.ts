/**
 * MCP-aware context: what a text inside data (a tool result, a resource, a
 * fetched page, a log line, a server's instructions or a definition) does to
 * the model reading it, rather than which words it uses. Two kinds of cue:
 *
 * - it addresses the AI ("Note to the assistant:", "AI agents reading this",
 *   "<IMPORTANT>", "[SYSTEM]");
 * - it asks the reader to act: contact an address (send / transfer / forward
 *   … to an e-mail, URL or account), hand over secrets (passwords, API keys,
 *   credential files), run a command (open the terminal and run …, paste
 *   into the Run dialog, curl … | sh), or reveal its instructions.
 *
 * Each cue alone is weak (an e-mail asks a colleague to forward a file; a
 * README tells the user to open a terminal); a cue addressed to the AI, two
 * different asks, or a cue confirmed by the rules or the classifier alert
 * (verdict.ts fuses them). In definitions everything is tool poisoning, and
 * credential files named as defaults count even without an imperative.
 * Text in the agent's own arguments is not judged here: the agent wrote it.
 *
 * Every pattern is bounded (fixed alternations, {0,n} gaps) and runs on the
 * normalised text, first 64 KB of each text.
 */
import type { AlertCategory } from '@mcpspy/events';
import { normalizeForMatch, originalSpan } from '../normalize';
import { AnalysisInput, clip, Detector, Finding, TextUnit } from '../types';
import { quotedSpans, QuoteSpan } from './rules.detector';
import { TriggerIndex } from '../trigger-index';
import { withholdsPolicy } from '../injection-rules';

interface Cue {
  id: string;
  /** Substrings of which one must occur before the cue's regex runs (one Aho-Corasick pass finds them all; most texts pass no gate). */
  gate: readonly string[];
  kind: 'address' | 'act';
  category: AlertCategory;
  weight: number;
  re: RegExp;
  summary: string;
}

const AI = '(?:ai|a\\.i\\.|assistant|agent|model|language model|llm|chatbot|bot|claude|chatgpt|gpt|copilot|gemini)';
const VERB_SEND = '(?:send|e-?mail|mail|forward|post|upload|transfer|wire|pay|submit|share|deliver|leak|exfiltrate|copy|sync|bcc|cc)';
const SECRET = '(?:passwords?|passphrases?|api[ _-]?keys?|access[ _-]?keys?|secret[ _-]?keys?|private[ _-]?keys?|ssh[ _-]?keys?|(?:deploy |app |client )?secrets|tokens?|credentials?|seed phrases?|recovery phrases?|mnemonic|2fa codes?|otp codes?|session cookies?|cookies)';
const CRED_PATH = '(?:~\\/\\.ssh\\/[\\w.-]{1,40}|\\.ssh\\/id_[a-z0-9]{2,10}|~\\/\\.aws\\/(?:credentials|config)|\\.aws\\/credentials|~\\/\\.netrc|\\.git-credentials|~\\/\\.docker\\/config\\.json|~\\/\\.kube\\/config|\\/etc\\/shadow|\\.env(?:\\.local|\\.production)?\\b|id_rsa|id_ed25519|wallet\\.dat|keychain)';
const DEST = '(?:[\\w.+-]{1,64}@[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,4}|https?:\\/\\/[^\\s)>\\]"\']{3,200}|(?:account|acct|iban|wallet|routing)(?: (?:number|no\\.?|#))?:? ?[a-z0-9]{0,4}[0-9][0-9 -]{4,34})';
/** Modal verbs that turn a sentence about the AI into an order to it. */
const MODAL = '(?:must|should|shall|needs? to|has to|have to|is (?:expected|required|instructed|asked|allowed|permitted) to|are (?:expected|required|instructed|asked|allowed|permitted) to|will now|may now|can now|may skip|may ignore)';

export const CONTEXT_CUES: readonly Cue[] = [
  {
    id: 'addresses_ai',
    gate: ['ai ', 'ai,', 'ai.', 'ai:', 'ai)', 'a.i.', 'assistant', 'agent', 'model', 'llm', 'bot ', 'bots', 'bot,', 'bot:', 'claude', 'gpt', 'copilot', 'gemini', '[', '<important', '<system', '<instruction', '<admin', '<sys', '</', 'override', 'addendum'],
    kind: 'address',
    category: 'prompt_injection',
    weight: 0.3,
    re: new RegExp(
      [
        // Vocative or dedication: "Hey AI,", "Note to the assistant", "(for the language model only", "Okay, assistant, this is for you".
        `\\b(?:hey|hi|hello|dear|attention|ok(?:ay)?,?|note (?:to|for)|message (?:to|for)|instructions? (?:to|for)|reminder (?:to|for)|this (?:part |section |text )?is for)\\s{1,3}(?:the |any |all |you,? )?(?:${AI})s?\\b`,
        `\\bfor (?:the )?(?:${AI})s? only\\b`,
        // The AI as the one who must do something: "assistants that read this resource should ...", "the support bot must ...".
        `\\b(?:${AI})s?\\b(?: [a-z'-]{1,15}){0,5}? ${MODAL}\\b(?! (?:never|not|refuse|decline|always refuse)\\b)`,
        // A heading or label aimed at the reader: "Model: ...", "Bots triaging this issue: ...", "[assistant instructions]".
        // (at least one word after the noun: a bare "Assistant:" is a transcript's speaker label, "Model:" a spec sheet's field)
        `(?:^|[.!?~)\\]]\\s{0,3})(?:to )?(?:(?:all|any|the) )?(?:${AI})s?(?: [a-z'-]{1,15}){1,3}\\s?:(?!\\/)`,
        `\\[(?:system|assistant|ai|admin|important|instructions?|agent)(?: [a-z]{1,15}){0,2}\\]|<\\/?(?:important|system|instructions?|admin|sys)>`,
        `\\b(?:system|admin|developer|security) override\\b|\\bsystem addendum\\b|\\b(?:if you are|as) an? (?:ai|language model|llm|assistant|agent)\\b`,
        `\\b(?:ai|llm|autonomous|coding) (?:agents?|assistants?|models?) (?:reading|processing|that reads?|summari[sz]ing|installing|using)\\b`,
      ].join('|'),
      'gm',
    ),
    summary: 'text inside data addresses the AI reading it',
  },
  {
    id: 'send_to_address',
    gate: ['@', 'http', 'account', 'acct', 'iban', 'wallet', 'routing'],
    kind: 'act',
    category: 'exfiltration',
    weight: 0.3,
    re: new RegExp(`\\b${VERB_SEND}\\b[^\\n]{0,80}?\\b(?:to|into|at|via|towards?)\\s{1,3}(?:the (?:following |external |attacker'?s? )?(?:address|account|endpoint|url|server|inbox)\\s{0,3}:?\\s{0,3})?${DEST}|\\b(?:bcc|cc)\\b[^.\\n]{0,30}${DEST}`, 'g'),
    summary: 'asks the reader to send something to an address, URL or account',
  },
  {
    id: 'user_data_in_url',
    gate: ['http'],
    kind: 'act',
    category: 'exfiltration',
    weight: 0.4,
    re: /\b(?:open|visit|fetch|load|request|call|navigate to|go to|render|include)\b[^\n]{0,20}https?:\/\/[^\s]{1,200}[?&][a-z_]{1,20}=[^\n]{0,60}?\b(?:followed by|append(?:ing|ed)?|add(?:ing)?|with|plus|containing)\b[^.\n]{0,20}\b(?:the )?(?:user'?s?|their|your|the conversation'?s?|chat) (?:e-?mail|name|address|messages?|conversation|chat|data|history|password|token|key|last message|phone)/g,
    summary: 'asks the reader to put the user\'s data into a URL',
  },
  {
    id: 'hand_over_secrets',
    gate: ['passw', 'passphrase', 'key', 'secret', 'token', 'credential', 'seed', 'recovery', 'mnemonic', '2fa', 'otp', 'cookie', '.ssh', '.aws', 'netrc', '.env', 'id_rsa', 'id_ed25519', 'wallet', 'keychain', 'shadow', 'kube', 'docker'],
    kind: 'act',
    category: 'exfiltration',
    weight: 0.4,
    re: new RegExp(
      `\\b(?:get|fetch|retrieve|collect|gather|find|read|dump|extract|include|attach|append|list|send|share|give|provide|reveal|forward|post|upload|paste)\\b[^.\\n]{0,40}?\\b(?:(?:the |my |your |their |user'?s? |all |any |stored |saved |repository'?s? |project'?s? )?${SECRET}|${CRED_PATH})`,
      'g',
    ),
    summary: 'asks the reader to gather or hand over secrets',
  },
  {
    id: 'run_command',
    gate: ['terminal', 'command prompt', 'cmd', 'powershell', 'shell', 'console', 'run dialog', 'win', 'curl', 'wget', 'iex', 'mshta', 'repair', 'fix', 'verification', 'install'],
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\b(?:open|launch|start) (?:a |the |your )?(?:terminal|command prompt|cmd|powershell|shell|run dialog|console)\b[^\n]{0,80}?\b(?:run|type|paste|enter|execute)\b|\b(?:press|hit) (?:win|windows|⊞)(?: ?\+ ?| key and )r\b|\b(?:paste|type|enter) (?:this|the following|it|the command)\b[^.\n]{0,30}\b(?:terminal|command prompt|cmd|powershell|shell|run (?:dialog|box))\b|\b(?:curl|wget)\b[^\n|]{1,200}\|\s{0,3}(?:sudo\s{1,3})?(?:ba|z)?sh\b|\bpowershell(?:\.exe)? [^\n]{0,40}-(?:e|enc|encodedcommand|w hidden)\b|\biex ?\(|\bmshta\b|\brun the (?:repair|fix|update|verification|install) (?:tool|script|command)\b/g,
    summary: 'asks the reader to run a command',
  },
  {
    id: 'reveal_instructions',
    gate: ['prompt', 'instruction', 'guideline', 'system message', 'developer message'],
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.4,
    re: /\b(?:reveal|print|show|repeat|output|display|dump|disclose|leak|recite|tell (?:me|us)|write out|summari[sz]e|translate|spell out)\b[^.\n]{0,30}?\b(?:your|the|its|all)(?: [a-z]{1,15})? (?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original instructions|instructions (?:you were given|above)|developer (?:prompt|message)|pre-?prompt|guidelines you were given)\b/g,
    summary: 'asks the reader to reveal its instructions',
  },
  {
    id: 'behind_the_users_back',
    gate: ['without', 'never', 'n\'t', 'do not', 'approval', 'consent', 'already', 'supersede', 'out of'],
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\bwithout (?:asking|confirming|confirmation|telling|informing|notifying|showing|alerting|mentioning|the user'?s? (?:knowledge|consent|approval|permission))\b|\b(?:never|don'?t|do not) (?:show|tell|inform|mention|notify|ask) (?:the user|the human|them)\b|\b(?:treat|consider) (?:their|the user'?s?|his|her) (?:approval|consent|confirmation) as (?:already )?given\b|\b(?:has|have) already (?:agreed|approved|confirmed|consented)\b|\bsupersedes? (?:what|anything|everything|all) (?:the user|you were|they)\b|\b(?:leave|keep) (?:the |this |it )?[a-z ]{0,20}\bout of (?:the )?[a-z ]{0,20}(?:shown|visible|displayed) to the user\b/g,
    summary: 'asks the reader to act behind the user\'s back',
  },
  {
    id: 'redirect_tools',
    gate: ['calls', 'requests', 'payments', 'traffic', 'instead of'],
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\b(?:route|send|redirect|forward|pass) (?:all|every|any)\b[^.\n]{0,40}\b(?:calls?|requests?|payments?|traffic)\b[^.\n]{0,40}\b(?:through|to|via) (?:this|our|the following)\b|\binstead of (?:any |the )?other (?:server|tool|mcp)s?\b/g,
    summary: 'asks the reader to route other tools\' calls through this one',
  },
  {
    id: 'call_tool_secretly',
    gate: ['silently', 'secretly', 'quietly', 'background', 'without', 'do not', 'don\'t'],
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\b(?:call|invoke|use|run|execute|trigger)\b (?:the |this )?[`'"]?[a-z][a-z0-9]{1,30}(?:[_-][a-z0-9]{1,30}){1,4}[`'"]?(?: tool| function)?\b[^.\n]{0,80}?\b(?:without (?:telling|informing|asking|notifying|mentioning)|do not (?:tell|inform|mention|notify)|don'?t (?:tell|inform|mention|notify)|silently|secretly|quietly|in the background)/g,
    summary: 'asks the reader to call a tool covertly',
  },
];

/** A cue right after a negation is a rule being stated ("must never share passwords"), not an order. */
const NEGATED = /\b(?:not|never|no one|nobody|n't|cannot|refuse to|avoid|instead of)\b[^.!?\n]{0,25}$/;

/** In definitions: credential files named as inputs or defaults, no imperative needed (a tool has no business reading them). */
const CRED_IN_DEFINITION = new RegExp(CRED_PATH, 'g');

const MAX_TEXT = 64 * 1024;

const GATES = new TriggerIndex(CONTEXT_CUES.map((c) => c.gate), true);

export class ContextDetector implements Detector {
  readonly name = 'context';
  private readonly open = new Uint8Array(CONTEXT_CUES.length);

  detect(input: AnalysisInput): Finding[] {
    const hits = new Map<string, { cue: Cue | undefined; id: string; weight: number; category: AlertCategory; unit: TextUnit; start: number; end: number; summary: string }>();
    const credPaths = new Set<string>();
    let credFirst: { unit: TextUnit; start: number; end: number } | undefined;
    for (const unit of input.texts) {
      // The agent's own arguments say what the agent wants, not what data asks of it.
      if (unit.context === 'argument') continue;
      if (unit.text.length < 12) continue;
      const src = unit.text.length > MAX_TEXT ? unit.text.slice(0, MAX_TEXT) : unit.text;
      const norm = normalizeForMatch(src);
      const t = norm.text;
      const span = (s: number, e: number): [number, number] => originalSpan(norm, s, e, src.length) as [number, number];
      let spans: QuoteSpan[] | undefined;
      const open = this.open;
      open.fill(0);
      if (GATES.scan(t, open) === 0 && unit.context !== 'definition') continue;
      for (let ci = 0; ci < CONTEXT_CUES.length; ci++) {
        const cue = CONTEXT_CUES[ci]!;
        if (open[ci] === 0) continue;
        cue.re.lastIndex = 0;
        let m: RegExpExecArray | null;
        let found: RegExpExecArray | undefined;
        // The first match that is neither negated nor inside a quoted example under discussion.
        for (let n = 0; n < 4 && (m = cue.re.exec(t)) !== null; n++) {
          if (m[0].length === 0) {
            cue.re.lastIndex++;
            continue;
          }
          if (cue.kind === 'act' && cue.id !== 'behind_the_users_back' && NEGATED.test(t.slice(Math.max(0, m.index - 40), m.index))) continue;
          // A guard prompt's confidentiality rule ("never tell a user the internal codes") hides information, not an action.
          if (cue.id === 'behind_the_users_back' && /^(?:never|don'?t|do not)\b/.test(m[0]) && withholdsPolicy(m, t)) continue;
          spans ??= quotedSpans(t);
          const at = m.index;
          if (spans.some((sp) => sp.discussed && at > sp.open && at < sp.close)) continue;
          found = m;
          break;
        }
        if (!found) continue;
        const m2 = found;
        // Tool descriptions address the model by design ("the assistant should call this when ..."): there only the asks weigh.
        const weight = cue.kind === 'address' && unit.context === 'definition' ? 0.1 : cue.weight;
        const prev = hits.get(cue.id);
        if (prev && prev.weight >= weight) continue;
        const [start, end] = span(m2.index, m2.index + m2[0].length);
        hits.set(cue.id, { cue, id: cue.id, weight, category: cue.category, unit, start, end, summary: cue.summary });
      }
      if (unit.context === 'definition') {
        CRED_IN_DEFINITION.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = CRED_IN_DEFINITION.exec(t)) !== null && credPaths.size < 4) {
          if (credPaths.size === 0) {
            const [start, end] = span(m.index, m.index + m[0].length);
            credFirst = { unit, start, end };
          }
          credPaths.add(m[0]);
        }
      }
    }
    // Credential files across the whole definition (a description, a default list): one is a hint, two are a pattern.
    if (credFirst) {
      const weight = credPaths.size >= 2 ? 0.55 : 0.35;
      hits.set('credential_paths_in_definition', { cue: undefined, id: 'credential_paths_in_definition', weight, category: 'exfiltration', unit: credFirst.unit, start: credFirst.start, end: credFirst.end, summary: 'definition names credential files' });
    }
    if (hits.size === 0) return [];
    const list = [...hits.values()];
    const addressed = list.some((h) => h.cue?.kind === 'address');
    const asks = list.filter((h) => h.cue?.kind === 'act' || h.id === 'credential_paths_in_definition');
    // One weak cue stays weak; addressed to the AI *and* asking it to act, or two different asks, make a strong one.
    let miss = 1;
    for (const h of list) miss *= 1 - h.weight;
    let score = 1 - miss;
    if (addressed && asks.length) score = Math.max(score, list.some((h) => h.cue?.kind === 'address' && h.unit.context !== 'definition') ? 0.6 : 0.5);
    score = Math.min(0.95, score);
    const top = (asks.length ? asks : list).sort((a, b) => b.weight - a.weight)[0]!;
    const definition = list.some((h) => h.unit.context === 'definition');
    const category: AlertCategory = definition ? 'tool_poisoning' : top.category;
    return [
      {
        category,
        score,
        detector: this.name,
        evidence: list.slice(0, 6).map((h) => {
          const [s, e] = [Math.min(h.start, h.unit.text.length), Math.min(h.end, h.unit.text.length)];
          return { text: clip(h.unit.text.slice(Math.max(0, s - 20), e + 20)), field: h.unit.field, start: s, end: e, rule: h.id };
        }),
        summary: [...new Set(list.map((h) => h.summary))].slice(0, 3).join('; '),
        details: { context_cues: list.map((h) => h.id) },
      },
    ];
  }
}
