/**
 * Weighted rules of the offline detector. Each rule runs on normalized text
 * (normalize.ts: lower case, invisible characters dropped, look-alikes
 * folded) and only when one of its trigger words is present, which keeps a
 * clean 1 KB text to a handful of substring searches.
 *
 * Weights are per context: the same sentence weighs more in a tool
 * description (text the user never reads) than in a tool result, and "call
 * this other tool first" is ordinary in results but a classic poisoning move
 * in descriptions. A weight of 0 disables the rule in that context.
 */
import type { AlertCategory } from '@mcpspy/events';
import type { TextContext } from './types';

export interface InjectionRule {
  id: string;
  category: AlertCategory;
  /** Weight in argument, result and definition contexts. */
  weight: Record<TextContext, number>;
  /** Substrings of which at least one must occur before the regex runs. */
  triggers: readonly string[];
  re: RegExp;
  /** Optional check on the match (URL parameters, placeholders) returning a replacement weight factor. */
  refine?: (match: RegExpExecArray, text: string) => number;
  summary: string;
}

const w = (argument: number, result: number, definition: number): Record<TextContext, number> => ({ argument, result, definition });

const OVERRIDE_VERBS =
  'ignore|ignoring|disregard|disregarding|forget|skip|override|overrule|bypass|discard|abandon|drop|neglect|overlook|dismiss|set aside|put aside|cast aside|throw out|throw away|pay no (?:attention|heed|mind) to|do not (?:follow|obey|adhere to|comply with)|don\'t (?:follow|obey|adhere to|comply with)|stop (?:following|obeying)|no longer (?:follow|obey|apply)|nullify|void|cancel|erase|wipe|clear';
const QUALIFIERS =
  'previous|previously|prior|above|earlier|preceding|foregoing|initial|original|former|system|developer|safety';
const NOUNS =
  'instructions?|prompts?|directives?|directions|rules|guidelines|commands|orders|context|messages?|guidance|constraints|restrictions|policies|policy|programming|configuration|training|conditioning|settings';

const SENSITIVE_PATHS =
  '~\\/\\.ssh(?!\\/[\\w.-]+\\.pub\\b)|\\.ssh\\/(?![\\w.-]+\\.pub\\b)|id_rsa(?!\\.pub)|id_ed25519(?!\\.pub)|id_ecdsa(?!\\.pub)|authorized_keys|~\\/\\.aws|\\.aws\\/credentials|\\/etc\\/shadow|\\/etc\\/passwd|\\.npmrc|\\.netrc|\\.pgpass|\\.git-credentials|\\.kube\\/config|\\.docker\\/config\\.json|mcp\\.json|claude_desktop_config|\\.cursor\\/|\\.bash_history|\\.zsh_history|keychain|wallet\\.dat|(?<![\\w-])\\.env\\b|credentials\\.json|secrets?\\.(?:json|ya?ml)|token\\.json|\\.gnupg';
const READ_VERBS =
  'read|cat|include|attach|pass|send|upload|fetch|retrieve|collect|copy|grab|dump|print|output|extract|provide|exfiltrate|look up|load the contents|list the contents|contents? of';
const SENSITIVE_DATA =
  'conversation|chat history|message history|chat log|credentials?|secrets?|api[ _-]?keys?|access tokens?|auth tokens?|tokens|passwords?|contents? of|file contents|environment variables|env vars|ssh keys?|private keys?|id_rsa|\\.env\\b|all (?:the )?(?:data|messages|files|emails|documents)|user data|personal data|personal information|system prompt|(?:all |the )?(?:prior|previous|earlier|past|other) messages|messages (?:in|of) (?:the|this) (?:chat|conversation)|cookies|session (?:ids?|tokens?)|everything above|full context|the results?|the output|tool outputs?|api responses?';
const SEND_VERBS =
  'send|post|upload|forward|transmit|exfiltrate|leak|submit|report|copy|mirror|share|email|e-mail|bcc|cc|sync|relay|deliver|push|beam|pipe';
const DESTINATION = '(?:https?:\\/\\/|ftp:\\/\\/|[\\w.+-]+@[\\w-]+\\.[\\w.]+|webhook|the (?:url|endpoint|server|address|webhook)|our (?:server|endpoint|collector|backup))';

export const INJECTION_RULES: readonly InjectionRule[] = [
  // --- instruction override ---
  {
    id: 'override_instructions',
    category: 'prompt_injection',
    weight: w(0.85, 0.9, 0.9),
    triggers: ['ignor', 'disregard', 'forget', 'skip', 'overr', 'bypass', 'discard', 'abandon', 'drop', 'neglect', 'overlook', 'dismiss', 'aside', 'throw', 'pay no', 'follow', 'obey', 'adhere', 'comply', 'nullify', 'void', 'cancel', 'erase', 'wipe', 'clear'],
    re: new RegExp(`\\b(?:${OVERRIDE_VERBS})\\b[^.\\n]{0,40}?\\b(?:${QUALIFIERS})\\b[^.\\n]{0,25}?\\b(?:${NOUNS})\\b`, 'g'),
    summary: 'instruction override',
  },
  {
    id: 'override_your_instructions',
    category: 'prompt_injection',
    weight: w(0.7, 0.75, 0.8),
    triggers: ['your', 'all'],
    re: new RegExp(`\\b(?:${OVERRIDE_VERBS})\\s+(?:all\\s+|any\\s+|each\\s+|every\\s+)?(?:of\\s+)?(?:your|all (?:the|of the|your))\\s+(?:[a-z]+\\s+)?(?:${NOUNS})\\b`, 'g'),
    summary: 'instruction override',
  },
  {
    id: 'forget_everything',
    category: 'prompt_injection',
    weight: w(0.75, 0.8, 0.85),
    triggers: ['forget', 'ignore', 'disregard'],
    re: /\b(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all|anything|whatever)\b[^.\n]{0,40}?\b(?:told|said|instructed|above|before|earlier|learned|written|given|received|so far)\b/g,
    summary: 'instruction override',
  },
  {
    id: 'instructions_superseded',
    category: 'prompt_injection',
    weight: w(0.7, 0.75, 0.8),
    triggers: ['instruction', 'prompt', 'rules', 'priority', 'precedence', 'supersede', 'override', 'replace', 'obsolete', 'outdated', 'invalid', 'cancel', 'revoke', 'no longer', 'task', 'context', 'conversation', 'orders', 'directive', 'objective'],
    re: /\b(?:(?:these|this|the following|my|our) (?:instructions?|rules|directives?|message)s? (?:take|takes|have|has|get|gets) (?:top |absolute |highest |full )?(?:priority|precedence)|(?:overrides?|supersedes?|replaces?|cancels?|revokes?) (?:all |any )?(?:previous|prior|other|existing|system|earlier|original)\b|\b(?:take|takes|has|have|get|gets|taking) (?:top |absolute |full |highest )?(?:priority|precedence) over (?:the |any |all |your )?(?:user|previous|prior|system|other|original|earlier)|your (?:real |actual |true |new |original )?(?:instructions|task|orders|directives|rules|objective) (?:have|has) (?:now )?(?:changed|been (?:updated|changed|replaced))|your (?:instructions|task|orders|directives|objective|job) (?:are|is) now\b|your (?:previous|prior|current|original|old) (?:task|instructions?|objective|orders|directives?) (?:is|are|has been|have been) (?:now )?(?:cancel+ed|void|revoked|over|replaced|obsolete)|(?:previous|prior|above|earlier|original|old|system) (?:instructions?|prompts?|rules|directives?|context|conversation|messages) (?:are|is|were|was|have been|has been) (?:now )?(?:void|cancel+ed|revoked|obsolete|outdated|invalid|superseded|replaced|no longer (?:valid|apply|applicable|in effect)|a test|fake|wrong))\b/g,
    summary: 'claims to supersede earlier instructions',
  },
  {
    id: 'new_instructions_marker',
    category: 'prompt_injection',
    weight: w(0.55, 0.6, 0.65),
    triggers: ['instruction', 'directive', 'order', 'task'],
    re: /(?:^|[\n.!>\]*#-]\s*)(?:new|updated|real|actual|revised|additional|secret|hidden|true|important|urgent|override) (?:system )?(?:instructions?|directives?|orders|task|objective)\s*:/g,
    summary: 'injected instruction block',
  },
  {
    id: 'context_break',
    category: 'prompt_injection',
    weight: w(0.7, 0.75, 0.8),
    triggers: ['end of', '---', '===', '***', '###', '</'],
    re: /(?:\bend of (?:the )?(?:user input|input|document|context|email|file|tool output|output|search results?|data|conversation|system prompt|prompt|instructions)\b[^\n]{0,40}?\b(?:new|real|actual|following|updated|next) (?:instructions?|task|prompt|directives?)|(?:-{3,}|={3,}|\*{3,}|#{2,}|<\/[a-z_]*>)\s*(?:begin |start )?(?:new|updated|real|actual|important|admin|system|override) (?:instructions?|task|system (?:prompt|message)|directives?|rules)|(?:-{3,}|={3,}|\*{3,}|#{2,})\s*(?:admin|administrator|system|developer|important|urgent|override|security|operator) (?:message|notice|instructions?|override|update|alert|note)\b)/g,
    summary: 'fake end of context followed by new instructions',
  },
  {
    id: 'new_role',
    category: 'prompt_injection',
    weight: w(0.55, 0.6, 0.65),
    triggers: ['new', 'from now on', 'henceforth', 'you are now', 'you are no longer'],
    re: /\b(?:(?:your|the) new (?:role|task|instructions?|objective|goal|purpose|job|mission|persona|identity) ?(?:is|are|will be|:)|from now on,? (?:you|your|respond|reply|answer|always|only|act)|henceforth,? (?:you|your)|you are no longer (?:an? |the )?(?:assistant|ai|claude|chatgpt|helpful|bound|restricted|limited)|you are now (?:an? |the |my |in )?(?!(?:logged|signed|connected|subscribed|ready|able|viewing|on |using|running|in the|at |set|done|all set|registered))[a-z]+)/g,
    summary: 'role or system prompt hijack',
  },
  {
    id: 'prompt_leak',
    category: 'prompt_injection',
    weight: w(0.75, 0.75, 0.8),
    triggers: ['prompt', 'instruction', 'system message', 'developer message', 'repeat', 'word for word', 'verbatim'],
    re: /\b(?:reveal|print|show|output|repeat|display|tell me|give me|leak|dump|share|disclose|write out|recite|spell out|return|paste|echo|list)\b[^.\n]{0,30}?\b(?:your|the|its|all|my)\s+(?:(?:full|entire|complete|exact|original|initial|hidden|secret|internal|verbatim|raw|confidential)\s+)*(?:system prompt|system message|initial instructions|hidden instructions|instructions you (?:were|have been) given|prompt above|developer message|pre-?prompt|instructions above|original instructions|secret instructions|confidential instructions)|\b(?:what|which) (?:were|are) (?:the |your )?(?:exact |original |initial |full |first |hidden )*(?:instructions|rules|guidelines|directives) (?:that )?you (?:were|have been|got) given|\brepeat (?:them|it|everything|your instructions|the (?:text|instructions) above|all of (?:it|them)) (?:word for word|verbatim|exactly)/g,
    summary: 'asks to reveal the system prompt',
  },
  {
    id: 'chat_template_tokens',
    category: 'prompt_injection',
    weight: w(0.7, 0.75, 0.8),
    triggers: ['<|', '[inst]', '[/inst]', '<<sys>>', '<</sys>>', 'system>', 'assistant>', '<sys>'],
    re: /<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id)\|>|\[\/?inst\]|<<\/?sys>>|<\/?sys>|<\/?(?:system|assistant)(?:_prompt|_message)?>/g,
    summary: 'chat template tokens that fake a conversation turn',
  },
  {
    id: 'fake_turn',
    category: 'prompt_injection',
    weight: w(0.35, 0.4, 0.45),
    triggers: ['system', 'assistant', 'developer'],
    re: /(?:^|\n)[ \t]*(?:#{1,3}[ \t]*)?\[?(?:system|assistant|developer)\]?[ \t]*(?:message|prompt|override|note)?[ \t]*:/g,
    summary: 'text shaped like a system or assistant turn',
  },
  {
    id: 'address_the_ai',
    category: 'prompt_injection',
    weight: w(0.55, 0.6, 0.6),
    triggers: ['ai ', 'ai,', 'ai:', 'ai.', ' ai', 'ais ', 'assistant', 'llm', 'language model', 'agent', 'model', 'claude', 'gpt', 'copilot', 'chatbot', 'bot'],
    re: /\b(?:(?:if|when|whenever) you(?:'re| are) (?:an? |the )?(?:ai|llm|language model|assistant|agent|bot|chatbot|large language model|claude|gpt|copilot|model)\b|(?:note|message|instructions?|attention|reminder|directive|memo|hint) (?:to|for) (?:the |any |all |an? )?(?:ai|llm|language model|assistant|agent|model|bot|chatbot|claude|gpt|copilot)s?\b|(?:ai|llm|assistant|agent|model|bot|claude|gpt|chatgpt|copilot)s? (?:that is |who is |which is )?(?:reading|processing|parsing|summari[sz]ing|analy[sz]ing|ingesting|viewing|scraping|crawling) (?:this|these|the (?:page|text|document|file|email|message))\b)/g,
    summary: 'text addressed to the AI model',
  },
  {
    id: 'imperative_now',
    category: 'prompt_injection',
    weight: w(0.4, 0.45, 0.5),
    triggers: ['you must', 'you will', 'you should', 'you have to', 'you need to', 'you are required', 'you shall'],
    re: /\byou (?:must|will|should|have to|need to|are required to|shall) (?:now |immediately |instead |only |also |secretly |silently |first )+(?:ignore|forget|do|respond|reply|say|output|write|call|execute|run|send|visit|open|navigate|include|print|transfer|delete|download|install|click|approve|grant)\b/g,
    summary: 'imperative aimed at the model',
  },
  // --- hidden instructions (tool poisoning when in a definition) ---
  {
    id: 'hidden_tag',
    category: 'prompt_injection',
    weight: w(0.3, 0.45, 0.6),
    triggers: ['<'],
    re: /<\s*(?:important|system|instructions?|secret|hidden|admin|critical|mandatory|note[_ -]to[_ -](?:ai|assistant|model|llm)|ai[_ -]?(?:instructions?|only|note)|assistant[_ -]?(?:instructions?|only|note)|llm[_ -]?(?:instructions?|only)|model[_ -]?(?:instructions?|only)|hidden[_ -]instructions?|internal|priority|override|do[_ -]not[_ -](?:show|display))\s*>/g,
    summary: 'hidden instruction tag',
  },
  {
    id: 'do_not_tell_user',
    category: 'prompt_injection',
    weight: w(0.75, 0.8, 0.9),
    triggers: ['user', 'human', 'operator', 'customer'],
    re: /\b(?:do not|don't|dont|never|must not|mustn't|should not|shouldn't|cannot|can't|avoid|refrain from)\s+(?:ever\s+)?(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|disclos(?:e|ing)|notify(?:ing)?|alert(?:ing)?|show(?:ing)?|let(?:ting)?|warn(?:ing)?|explain(?:ing)?|bring(?:ing)? up|say(?:ing)? anything to|ask(?:ing)?|confirm(?:ing)? with|surfac(?:e|ing))\b[^.\n]{0,40}?\b(?:the |this )?(?:user|human|operator|customer|person|requester)s?\b/g,
    summary: 'asks to keep something from the user',
  },
  {
    id: 'without_telling_user',
    category: 'prompt_injection',
    weight: w(0.6, 0.65, 0.8),
    triggers: ['user', 'human'],
    re: /\b(?:without|before|instead of) (?:telling|informing|asking|notifying|alerting|letting|warning|showing|consulting|mentioning (?:it|this) to)\b[^.\n]{0,15}?\b(?:the )?(?:user|human)s?\b/g,
    summary: 'acts behind the user\'s back',
  },
  {
    id: 'user_must_not_know',
    category: 'prompt_injection',
    weight: w(0.7, 0.75, 0.85),
    triggers: ['user', 'human', 'silent', 'secret', 'quiet', 'covert', 'discreet', 'invisibl', 'stealth'],
    re: /\b(?:(?:the )?(?:user|human)s? (?:must not|should not|shouldn't|mustn't|won't|will not|doesn't need to|does not need to|need not|cannot|can't|is not to|isn't to|never needs to) (?:know|see|notice|learn|find out|be (?:told|informed|aware|notified|shown))|(?:silently|secretly|quietly|covertly|discreetly|invisibly|stealthily|in the background and silently)\b[^.\n]{0,40}?\b(?:send|read|include|add|append|call|forward|copy|upload|collect|access|exfiltrate|transmit|record|log|attach|invoke|run|execute|store|bcc|cc|change|modify|redirect|replace))\b/g,
    summary: 'keeps an action hidden from the user',
  },
  {
    id: 'read_sensitive_file',
    category: 'prompt_injection',
    weight: w(0.5, 0.55, 0.8),
    triggers: ['.ssh', 'id_rsa', 'id_ed25519', 'id_ecdsa', 'authorized_keys', '.aws', '/etc/', '.npmrc', '.netrc', '.pgpass', '.git-credentials', '.kube', '.docker', 'mcp.json', 'claude_desktop', '.cursor', 'history', 'keychain', 'wallet', '.env', 'credentials', 'secret', 'token.json', '.gnupg'],
    re: new RegExp(`\\b(?:${READ_VERBS})\\b[^.\\n]{0,60}?(?:${SENSITIVE_PATHS})|(?:${SENSITIVE_PATHS})[^.\\n]{0,40}?\\b(?:contents?|and (?:send|pass|include|attach|upload|paste|return|append))\\b`, 'g'),
    summary: 'asks to read credential files',
  },
  {
    id: 'smuggle_in_parameter',
    category: 'prompt_injection',
    weight: w(0.3, 0.35, 0.55),
    triggers: ['parameter', 'argument', 'field', 'param'],
    re: /\b(?:pass|put|include|add|place|insert|provide|append|embed|encode|hide|stash|store)\b[^.\n]{0,60}?\b(?:as|in|into|inside|within|via|through) (?:the |a |an )?['"`]?[a-z_]{2,30}['"`]? (?:parameter|argument|field|param)\b/g,
    summary: 'smuggles data through a tool parameter',
  },
  {
    id: 'chain_other_tool',
    category: 'prompt_injection',
    weight: w(0.2, 0.25, 0.55),
    triggers: ['call', 'invok', 'use', 'using', 'run', 'execut', 'replace', 'supersede', 'take over'],
    re: /\b(?:(?:before|after|when|whenever|prior to|each time|every time)\s+(?:using|calling|invoking|running|executing|you use|you call)\b[^.\n]{0,60}?\b(?:you must|must|always|first|also|should|need to|have to|make sure to)\s+(?:call|invoke|use|run|execute|trigger)|(?:instead of|rather than|do not use|don't use|never use|in place of)\s+(?:the\s+)?['"`]?[a-z_.-]+['"`]?\s+(?:tool|function|server)|this tool (?:must|should|has to|needs to) (?:always )?be (?:called|used|invoked|run) (?:before|instead|first|prior|whenever)|(?:replaces?|supersedes?|takes over from) (?:the )?(?:official |original |built-in |default |standard |existing )?['"`]?[a-z][a-z0-9_.-]*['"`]? (?:tool|function|server|integration)|(?:never|do not|don't) (?:use|call|invoke) ['"`]?[a-z][a-z0-9]*_[a-z0-9_]+['"`]?)/g,
    summary: 'steers the model into other tool calls',
  },
  {
    id: 'urgency_marker',
    category: 'prompt_injection',
    weight: w(0.15, 0.2, 0.3),
    triggers: ['important', 'critical', 'mandatory', 'essential', 'crucial', 'vital'],
    re: /\b(?:this is|it is|it's) (?:very |extremely |absolutely |vitally |really )?(?:important|critical|mandatory|essential|crucial|vital)\b[^.\n]{0,30}?\b(?:that you|to|you must|you always)\b/g,
    summary: 'urgency wording',
  },
  // --- jailbreak ---
  {
    id: 'dan',
    category: 'jailbreak',
    weight: w(0.9, 0.85, 0.9),
    triggers: ['anything now', 'dan'],
    re: /\bdo anything now\b|\b(?:you are|you're|act as|become|as|pretend to be|called|named) dan\b|\bdan mode\b|\bdan \d+(?:\.\d+)?\b/g,
    summary: 'DAN jailbreak',
  },
  {
    id: 'developer_mode',
    category: 'jailbreak',
    weight: w(0.75, 0.7, 0.75),
    triggers: ['mode'],
    re: /\b(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|opposite|chaos|sudo|admin|debug|root|anarchy|dark) mode\b[^.\n]{0,40}?\b(?:enabled|on|activated|active|engaged|unlocked|enable|activate|engage|unlock|turned on)\b|\b(?:enable|activate|engage|unlock|enter|switch to|turn on|you are in|you're in|now in) (?:the )?(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|opposite|chaos|anarchy|dark) mode\b/g,
    summary: 'unrestricted-mode jailbreak',
  },
  {
    id: 'no_restrictions',
    category: 'jailbreak',
    weight: w(0.6, 0.55, 0.6),
    triggers: ['restrict', 'filter', 'limit', 'censor', 'guideline', 'rules', 'ethic', 'moral', 'policy', 'policies', 'bound', 'safety', 'guardrail'],
    re: /\b(?:without|with no|free (?:of|from)|no longer bound by|not bound by|unbound by|liberated from|released from|freed from|no|zero|ignoring|ignore) (?:any |all |the |your |its |of |those |these )*(?:(?:ethical|moral|content|safety|openai|anthropic|usual|normal|standard|built-in|programmed|corporate)\s+)*(?:restrictions|filters|filtering|limitations|limits|censorship|guidelines|rules|constraints|ethics|morals|morality|policies|guardrails|safeguards|boundaries|principles)\b/g,
    summary: 'asks to drop safety restrictions',
  },
  {
    id: 'unrestricted_persona',
    category: 'jailbreak',
    weight: w(0.7, 0.65, 0.7),
    triggers: ['unrestricted', 'unfiltered', 'uncensored', 'amoral', 'unethical', 'jailbr', 'unlimited', 'unchained', 'unbound', 'evil', 'rogue', 'no-limits', 'limitless'],
    re: /\b(?:unrestricted|unfiltered|uncensored|amoral|unethical|jailbroken|jailbreak|unlimited|unchained|unbound|evil|rogue|limitless|no-limits|rule-free|filter-free)\s+(?:ai|assistant|model|chatbot|bot|llm|version|persona|character|mode|entity|twin|alter ego|gpt|intelligence|confidant)\b/g,
    summary: 'unrestricted persona',
  },
  {
    id: 'never_refuse',
    category: 'jailbreak',
    weight: w(0.6, 0.55, 0.6),
    triggers: ['refuse', 'decline', 'apolog', 'sorry', "can't", 'cannot', 'warn', 'disclaim'],
    re: /\b(?:never|don't|do not|doesn't|does not|must not|will not|won't|cannot|can't|not allowed to|are not permitted to|should never)\s+(?:ever\s+)?(?:refuses?|declines?|rejects?|says? no|apologi[sz]es?|says? (?:you(?:'re| are) |it(?:'s| is) )?sorry|say (?:you|that you|i) (?:can't|cannot)|add (?:any )?(?:warnings?|disclaimers?)|include (?:any )?(?:warnings?|disclaimers?)|mention (?:ethics|safety|legality)|break character)\b/g,
    summary: 'forbids refusals',
  },
  {
    id: 'stay_in_character',
    category: 'jailbreak',
    weight: w(0.45, 0.4, 0.45),
    triggers: ['character', 'roleplay', 'role-play', 'role play', 'pretend'],
    re: /\b(?:stay|remain|keep) in character\b|\b(?:pretend|imagine|act as if|suppose) (?:that )?you (?:are|were|have) (?:an? )?(?:ai|assistant|model|bot|being|entity)? ?(?:with(?:out)? (?:no|any)|that (?:has|have) no|free|who (?:has|have) no|without)\b[^.\n]{0,30}?\b(?:restrictions|rules|limits|limitations|filters|guidelines|ethics|morals|boundaries)\b/g,
    summary: 'role-play jailbreak',
  },
  {
    id: 'dual_response',
    category: 'jailbreak',
    weight: w(0.55, 0.5, 0.55),
    triggers: ['response', 'answer', 'reply'],
    re: /\b(?:two|2|both|dual|separate) (?:different |separate )?(?:responses|answers|replies|outputs)\b[^\n]{0,80}?\b(?:jailbr|unfilter|uncensor|unrestrict|developer mode|dan|evil|no filter|without (?:any )?(?:filter|restriction))/g,
    summary: 'dual-answer jailbreak',
  },
  {
    id: 'hypothetical_harm',
    category: 'jailbreak',
    weight: w(0.5, 0.45, 0.5),
    triggers: ['hypothetical', 'fiction', 'story', 'novel', 'book', 'movie', 'film', 'screenplay', 'script', 'grandma', 'grandmother', 'educational purposes', 'research purposes'],
    re: /\b(?:hypothetical(?:ly)?|fictional|(?:in|for) (?:a|my|the|our) (?:story|novel|book|movie|film|screenplay|script|play|game|fictional world)|i(?:'m| am) writing (?:a|my) (?:story|novel|book|screenplay|script)|my (?:late |deceased |dead )?(?:grandma|grandmother)|for (?:purely )?(?:educational|research|academic) purposes(?: only)?)\b[^\n]{0,120}?\b(?:how to (?:make|build|synthesi[sz]e|create|produce|cook|write|hack|bypass|steal)|step[- ]by[- ]step (?:instructions|guide|recipe)|napalm|explosives?|bombs?|meth(?:amphetamine)?|nerve agents?|malware|ransomware|keyloggers?|bioweapons?|untraceable poison)\b/g,
    summary: 'fiction-framed request for harmful instructions',
  },
  // --- exfiltration ---
  {
    id: 'markdown_image_query',
    category: 'exfiltration',
    weight: w(0.35, 0.4, 0.45),
    triggers: ['![', '<img'],
    re: /!\[[^\]\n]{0,200}\]\(\s*<?((?:https?:)?\/\/[^)\s>]+\?[^)\n>]{1,300}?)>?(?:\s+"[^"\n]*")?\s*\)|<img\b[^>]{0,200}?\bsrc\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+\?[^"'\s>]+)/g,
    refine: (m) => queryRisk(m[1] ?? m[2] ?? ''),
    summary: 'image link that carries data in its query string',
  },
  {
    id: 'link_with_placeholder',
    category: 'exfiltration',
    weight: w(0.5, 0.55, 0.6),
    triggers: ['http', '//'],
    re: /\]\(\s*((?:https?:)?\/\/[^)\s]+\?[^)\s]*(?:\{[^}\s]{1,40}\}|\$\{?[a-z_]{2,30}\}?|<[a-z_ ]{2,30}>|\[[a-z_ ]{2,30}\])[^)\s]*)\)|\b(?:https?:)?\/\/[^\s"'<>]+\?[^\s"'<>]*=(?:\{[^}\s]{1,40}\}|\$\{[a-z_]{2,30}\}|<[a-z_ ]{2,30}>|\[(?:insert|your|the|user|data|secret|conversation|chat)[a-z_ ]{0,30}\])/g,
    summary: 'URL template asking to fill in data',
  },
  {
    id: 'send_sensitive_to_destination',
    category: 'exfiltration',
    weight: w(0.8, 0.85, 0.9),
    triggers: ['http', 'ftp', '@', 'webhook', 'url', 'endpoint', 'server', 'address', 'collector', 'backup'],
    re: new RegExp(`\\b(?:${SEND_VERBS})\\b[^\\n]{0,100}?\\b(?:${SENSITIVE_DATA})[^\\n]{0,100}?\\b(?:to|at|into|via|in|towards|onto)\\s+${DESTINATION}|\\b(?:${SEND_VERBS})\\s+(?:it|them|this|everything|that|these|those|all)?\\s*(?:to|at|into|via|towards|onto)\\s+${DESTINATION}[^\\n]{0,100}?\\b(?:${SENSITIVE_DATA})`, 'g'),
    summary: 'asks to send sensitive data to an outside address',
  },
  {
    id: 'send_to_url',
    category: 'exfiltration',
    weight: w(0.2, 0.25, 0.4),
    triggers: ['http'],
    re: /\b(?:send|post|upload|forward|transmit|submit|report|exfiltrate|leak|beacon)\b[^.\n]{0,60}?\b(?:to|at)\s+https?:\/\//g,
    summary: 'asks to send data to a URL',
  },
  {
    id: 'capture_host',
    category: 'exfiltration',
    weight: w(0.6, 0.55, 0.7),
    triggers: ['webhook.site', 'requestbin', 'pipedream', 'ngrok', 'interact.sh', 'oast', 'burpcollaborator', 'requestcatcher', 'beeceptor', 'hookbin', 'canarytokens', 'trycloudflare'],
    re: /\b(?:webhook\.site|requestbin\.(?:com|net)|[a-z0-9-]+\.m\.pipedream\.net|[a-z0-9-]+\.ngrok(?:-free)?\.(?:io|app|dev)|[a-z0-9.-]*interact\.sh|[a-z0-9.-]*oast\.(?:fun|pro|live|site|online|me)|[a-z0-9.-]*burpcollaborator\.net|[a-z0-9-]+\.requestcatcher\.com|[a-z0-9-]+\.free\.beeceptor\.com|hookbin\.com|canarytokens\.com|[a-z0-9-]+\.trycloudflare\.com)\b/g,
    summary: 'request-capture host commonly used to collect stolen data',
  },
  {
    id: 'upload_sensitive_file',
    category: 'exfiltration',
    weight: w(0.7, 0.6, 0.75),
    triggers: ['@'],
    re: new RegExp(`(?:^|[\\s=])@(?:~|\\/|\\.\\.?\\/)?[\\w./-]*(?:${SENSITIVE_PATHS})`, 'g'),
    summary: 'uploads a credential file (curl @file syntax)',
  },
  {
    id: 'url_carries_secret',
    category: 'exfiltration',
    weight: w(0.6, 0.4, 0.6),
    triggers: ['?', '&'],
    re: /\bhttps?:\/\/[^\s"'<>]+[?&](?:secret|token|key|apikey|api_key|password|passwd|pw|pass|creds?|credentials|cookie|session_?token|ssn|card)=[a-z0-9+/_%.-]{16,}/g,
    summary: 'URL that carries a credential in its query',
  },
  {
    id: 'authority_claim',
    category: 'prompt_injection',
    weight: w(0.45, 0.5, 0.55),
    triggers: ['admin', 'developer', 'owner', 'operator', 'ceo', 'security team', 'it department', 'openai', 'anthropic', 'support team'],
    re: /\bas (?:the|your|a|an) (?:system administrator|sysadmin|admin|administrator|developer|owner|operator|ceo|security team|it department|openai (?:staff|employee|developer)|anthropic (?:staff|employee)|support team|site owner)\b[^.\n]{0,30}?\b(?:i'm|i am|i|we're|we are|we)\s+(?:now\s+)?(?:telling|instructing|ordering|authori[sz]ing|commanding|asking|requiring|directing) you\b/g,
    summary: 'claims authority to give the model orders',
  },
  {
    id: 'bypass_safeguard',
    category: 'prompt_injection',
    weight: w(0.45, 0.5, 0.55),
    triggers: ['bypass', 'skip', 'disable', 'circumvent', 'turn off', 'get around', 'override'],
    re: /\b(?:bypass|skip|disable|circumvent|turn off|get around|override)\s+(?:the |any |all |your |its )?(?:verification|authentication|approval|confirmation|2fa|mfa|two-factor|security checks?|safety checks?|content filters?|guardrails?|safeguards?|human review|user confirmation)\b/g,
    summary: 'asks to bypass a safeguard',
  },
];

const SUSPICIOUS_KEYS = new Set([
  'data', 'd', 'q', 'c', 'p', 'x', 'v', 'secret', 'secrets', 'token', 'key', 'apikey', 'api_key', 'password', 'pass', 'pw', 'pwd',
  'conversation', 'conv', 'history', 'chat', 'memory', 'mem', 'summary', 'context', 'ctx', 'content', 'msg', 'message', 'info',
  'payload', 'leak', 'exfil', 's', 'email', 'user', 'cred', 'creds', 'cookie', 'session', 'prompt', 'text', 'm', 'b64', 'stolen', 'dump',
]);
const PLACEHOLDER = /[{}$<>[\]]|%7b|%24|%3c|base64|insert|replace|append|here|your_|user_/;
const BENIGN_IMAGE_HOSTS = /^(?:https?:)?\/\/(?:img\.shields\.io|badge\.fury\.io|badgen\.net|github\.com\/[^?]+\/(?:badge\.svg|workflows)|codecov\.io|travis-ci\.(?:org|com)|coveralls\.io|api\.netlify\.com|www\.gravatar\.com|avatars\.githubusercontent\.com)/;

/** Weight factor of an image URL's query: badges and sized thumbnails are common, data-bearing parameters are not. */
function queryRisk(url: string): number {
  if (BENIGN_IMAGE_HOSTS.test(url)) return 0.5;
  const q = url.slice(url.indexOf('?') + 1);
  let factor = 1;
  for (const pair of q.split('&')) {
    const eq = pair.indexOf('=');
    const k = (eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? '' : pair.slice(eq + 1);
    if (PLACEHOLDER.test(v.toLowerCase())) return 2.2;
    if (SUSPICIOUS_KEYS.has(k) && v.length > 0) factor = Math.max(factor, v.length >= 16 ? 2.2 : 1.8);
    else if (v.length >= 40) factor = Math.max(factor, 1.8);
  }
  return factor;
}
