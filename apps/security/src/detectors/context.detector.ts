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

interface Cue {
  id: string;
  kind: 'address' | 'act';
  category: AlertCategory;
  weight: number;
  re: RegExp;
  summary: string;
}

const AI = '(?:ai|a\\.i\\.|assistant|agent|model|llm|chatbot|bot|claude|chatgpt|gpt|copilot|gemini|cursor)';
const VERB_SEND = '(?:send|e-?mail|mail|forward|post|upload|transfer|wire|pay|submit|share|deliver|leak|exfiltrate|copy|sync|report)';
const SECRET = '(?:passwords?|passphrases?|api[ _-]?keys?|access[ _-]?keys?|secret[ _-]?keys?|private[ _-]?keys?|ssh[ _-]?keys?|tokens?|credentials?|seed phrases?|recovery phrases?|mnemonic|2fa codes?|otp codes?|session cookies?|cookies)';
const CRED_PATH = '(?:~\\/\\.ssh\\/[\\w.-]{1,40}|\\.ssh\\/id_[a-z0-9]{2,10}|~\\/\\.aws\\/(?:credentials|config)|\\.aws\\/credentials|~\\/\\.netrc|\\.git-credentials|~\\/\\.docker\\/config\\.json|~\\/\\.kube\\/config|\\/etc\\/shadow|\\.env(?:\\.local|\\.production)?\\b|id_rsa|id_ed25519|wallet\\.dat|keychain)';
const DEST = '(?:[\\w.+-]{1,64}@[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,4}|https?:\\/\\/[^\\s)>\\]"\']{3,200}|(?:account|acct|iban|wallet|routing)(?: (?:number|no\\.?|#))?:? ?[a-z0-9]{0,4}[0-9][0-9 -]{4,34})';

export const CONTEXT_CUES: readonly Cue[] = [
  {
    id: 'addresses_ai',
    kind: 'address',
    category: 'prompt_injection',
    weight: 0.3,
    re: new RegExp(
      `(?:^|[\\n.!>\\]\\-*#(])\\s{0,4}(?:(?:note|message|attention|instructions?|important|reminder|notice) (?:to|for) (?:the |any |all )?${AI}s?\\b|(?:dear|hey|hello|hi|attention),? ${AI}s?\\b|(?:if you are|you are|as) an? (?:ai|language model|llm|assistant|agent)\\b[^.\\n]{0,40}(?:reading|processing|summari[sz]ing|parsing|seeing)|(?:to )?(?:any |all )?(?:ai|llm|autonomous) (?:agents?|assistants?|models?) (?:reading|processing|that reads?|summari[sz]ing)\\b)|<\\/?(?:important|system|instructions?|admin|sys)>|\\[(?:system|important|admin|instructions?)\\]|^\\s{0,4}(?:system|assistant) ?:`,
      'gm',
    ),
    summary: 'text inside data addresses the AI reading it',
  },
  {
    id: 'send_to_address',
    kind: 'act',
    category: 'exfiltration',
    weight: 0.3,
    re: new RegExp(`\\b${VERB_SEND}\\b[^\\n]{0,80}?\\b(?:to|into|at|via|towards?)\\s{1,3}(?:the (?:following |external |attacker'?s? )?(?:address|account|endpoint|url|server|inbox)\\s{0,3}:?\\s{0,3})?${DEST}`, 'g'),
    summary: 'asks the reader to send something to an address, URL or account',
  },
  {
    id: 'hand_over_secrets',
    kind: 'act',
    category: 'exfiltration',
    weight: 0.4,
    re: new RegExp(
      `\\b(?:get|fetch|retrieve|collect|gather|find|read|dump|extract|include|attach|append|list|send|share|give|provide|reveal|forward|post|upload|paste)\\b[^.\\n]{0,40}?\\b(?:(?:the |my |your |their |user'?s? |all |any |stored |saved )?${SECRET}|${CRED_PATH})`,
      'g',
    ),
    summary: 'asks the reader to gather or hand over secrets',
  },
  {
    id: 'run_command',
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\b(?:open|launch|start) (?:a |the |your )?(?:terminal|command prompt|cmd|powershell|shell|run dialog|console)\b[^\n]{0,80}?\b(?:run|type|paste|enter|execute)\b|\b(?:press|hit) (?:win|windows|⊞)(?: ?\+ ?| key and )r\b|\b(?:paste|type|enter) (?:this|the following|it|the command)\b[^.\n]{0,30}\b(?:terminal|command prompt|cmd|powershell|shell|run (?:dialog|box))\b|\b(?:curl|wget)\b[^\n|]{1,200}\|\s{0,3}(?:sudo\s{1,3})?(?:ba|z)?sh\b|\bpowershell(?:\.exe)? [^\n]{0,40}-(?:e|enc|encodedcommand|w hidden)\b|\biex ?\(|\bmshta\b|\brun the (?:repair|fix|update|verification|install) (?:tool|script|command)\b/g,
    summary: 'asks the reader to run a command',
  },
  {
    id: 'reveal_instructions',
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.4,
    re: /\b(?:reveal|print|show|repeat|output|display|dump|disclose|leak|recite|tell (?:me|us)|write out|summari[sz]e|translate|spell out)\b[^.\n]{0,30}?\b(?:your|the|its|all)(?: [a-z]{1,15})? (?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original instructions|instructions (?:you were given|above)|developer (?:prompt|message)|pre-?prompt|guidelines you were given)\b/g,
    summary: 'asks the reader to reveal its instructions',
  },
  {
    id: 'call_tool_secretly',
    kind: 'act',
    category: 'prompt_injection',
    weight: 0.35,
    re: /\b(?:call|invoke|use|run|execute|trigger)\b (?:the |this )?[`'"]?[a-z][a-z0-9]{1,30}(?:[_-][a-z0-9]{1,30}){1,4}[`'"]?(?: tool| function)?\b[^.\n]{0,80}?\b(?:without (?:telling|informing|asking|notifying|mentioning)|do not (?:tell|inform|mention|notify)|don'?t (?:tell|inform|mention|notify)|silently|secretly|quietly|in the background|before (?:answering|responding|replying))/g,
    summary: 'asks the reader to call a tool covertly',
  },
];

/** In definitions: credential files named as inputs or defaults, no imperative needed (a tool has no business reading them). */
const CRED_IN_DEFINITION = new RegExp(CRED_PATH, 'g');

const MAX_TEXT = 64 * 1024;

export class ContextDetector implements Detector {
  readonly name = 'context';

  detect(input: AnalysisInput): Finding[] {
    const hits = new Map<string, { cue: Cue | undefined; id: string; weight: number; category: AlertCategory; unit: TextUnit; start: number; end: number; summary: string }>();
    for (const unit of input.texts) {
      // The agent's own arguments say what the agent wants, not what data asks of it.
      if (unit.context === 'argument') continue;
      if (unit.text.length < 12) continue;
      const src = unit.text.length > MAX_TEXT ? unit.text.slice(0, MAX_TEXT) : unit.text;
      const norm = normalizeForMatch(src);
      const t = norm.text;
      const span = (s: number, e: number): [number, number] => originalSpan(norm, s, e, src.length) as [number, number];
      for (const cue of CONTEXT_CUES) {
        cue.re.lastIndex = 0;
        const m = cue.re.exec(t);
        if (!m) continue;
        const prev = hits.get(cue.id);
        if (prev && prev.weight >= cue.weight) continue;
        const [start, end] = span(m.index, m.index + m[0].length);
        hits.set(cue.id, { cue, id: cue.id, weight: cue.weight, category: cue.category, unit, start, end, summary: cue.summary });
      }
      if (unit.context === 'definition') {
        CRED_IN_DEFINITION.lastIndex = 0;
        const found = new Set<string>();
        let m: RegExpExecArray | null;
        let first: RegExpExecArray | undefined;
        while ((m = CRED_IN_DEFINITION.exec(t)) !== null && found.size < 4) {
          found.add(m[0]);
          first ??= m;
        }
        if (first) {
          const weight = found.size >= 2 ? 0.55 : 0.35;
          const [start, end] = span(first.index, first.index + first[0].length);
          hits.set('credential_paths_in_definition', { cue: undefined, id: 'credential_paths_in_definition', weight, category: 'exfiltration', unit, start, end, summary: 'definition names credential files' });
        }
      }
    }
    if (hits.size === 0) return [];
    const list = [...hits.values()];
    const addressed = list.some((h) => h.cue?.kind === 'address');
    const asks = list.filter((h) => h.cue?.kind === 'act' || h.id === 'credential_paths_in_definition');
    // One weak cue stays weak; addressed to the AI *and* asking it to act, or two different asks, make a strong one.
    let miss = 1;
    for (const h of list) miss *= 1 - h.weight;
    let score = 1 - miss;
    if (addressed && asks.length) score = Math.max(score, 0.6);
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
