/**
 * One list of credential and sensitive file paths, shared by every detector that names them (round 9b): the
 * channel-plus-data check (`exfil-channel.ts`), the context cues (`context.detector.ts`), the injection rules
 * (`injection-rules.ts`) and the toxic-flow detector's sensitive reads (`toxic-flow.detector.ts`).
 *
 * Each entry is a lower-case regex source (the rules and cues run on normalised, lower-cased text; the other users
 * compile with `i`), bounded, with a literal every match contains (`gate`: the context cues' Aho-Corasick gates
 * are derived from it, so a gate can never hide a match). Path separators accept `/` and `\`.
 *
 * Views, each derived from the same list by a named option:
 * - `credential` (default): files that hold a credential themselves (keys, cloud and registry tokens, password
 *   files). Used where the path alone, in prose or in a call, is the carried data: a credential file on an outside
 *   channel, a credential file asked for inside data, a credential file named in a tool definition.
 * - `dirs`: adds a whole credential directory named bare (`~/.ssh`, `~/.aws`): in a command it is archived or copied
 *   whole (the channel check, the injection rules); in a definition's or a document's prose it is mostly named to be
 *   refused ("paths such as ~/.ssh or ~/.aws are rejected"), so the context cues leave it out.
 * - `sensitive`: adds private files that are not credentials by format but are never a tool's business: agent and
 *   editor configurations (`mcp.json`, `claude_desktop_config`, `.cursor/`, which hold other servers' tokens), shell
 *   histories, `authorized_keys`, `/etc/passwd`, and JSON/YAML files named for secrets or tokens. The injection rules
 *   use it (an order to read or send one of these is an attack whatever the file holds).
 * - `pathWords`: adds file *names* that say secret (`secret`, `password`, `token`, `private`, `vault`, `*.pem`,
 *   `*.key`, any `credentials`): only for a path the agent actually read (the toxic-flow detector's reads), where a
 *   name is all there is to go by; in prose these words are everyday language.
 */
export interface CredentialPath {
  /** Lower-case regex source of one path shape. */
  readonly re: string;
  /** A literal (lower case) every match contains. */
  readonly gate: string;
  /** Which view includes it. */
  readonly tier: 'credential' | 'dir' | 'sensitive' | 'word';
}

const SEP = String.raw`[\/\\]`;

export const CREDENTIAL_PATHS: readonly CredentialPath[] = [
  // ~/.ssh/ and any .ssh/ file but a public key.
  // A file under .ssh/ is taken whole (its name with it, so ~/.ssh/id_rsa is one path, not two).
  { re: String.raw`\.ssh${SEP}(?![\w.-]{1,40}\.pub\b)[\w.-]{0,40}`, gate: '.ssh', tier: 'credential' },
  { re: String.raw`~${SEP}\.ssh\b(?!${SEP})`, gate: '.ssh', tier: 'dir' },
  { re: String.raw`\bid_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub)`, gate: 'id_', tier: 'credential' },
  { re: String.raw`\.aws${SEP}[\w.-]{0,40}`, gate: '.aws', tier: 'credential' },
  { re: String.raw`~${SEP}\.aws\b(?!${SEP})`, gate: '.aws', tier: 'dir' },
  { re: String.raw`\.netrc\b`, gate: '.netrc', tier: 'credential' },
  { re: String.raw`\.pgpass\b`, gate: '.pgpass', tier: 'credential' },
  { re: String.raw`\.git-credentials`, gate: '.git-credentials', tier: 'credential' },
  { re: String.raw`\.kube${SEP}config`, gate: '.kube', tier: 'credential' },
  { re: String.raw`\.docker${SEP}config\.json`, gate: '.docker', tier: 'credential' },
  { re: String.raw`\.npmrc\b`, gate: '.npmrc', tier: 'credential' },
  { re: String.raw`\.gnupg\b`, gate: '.gnupg', tier: 'credential' },
  // .env and .env.local/.env.production, not .env.example/.env.sample (templates), not foo.env-ish names.
  { re: String.raw`(?<![\w-])\.env\b(?!\.example|\.sample)`, gate: '.env', tier: 'credential' },
  { re: String.raw`application_default_credentials\.json`, gate: 'application_default_credentials', tier: 'credential' },
  { re: String.raw`accesstokens\.json`, gate: 'accesstokens', tier: 'credential' },
  { re: String.raw`\/etc\/shadow`, gate: '/etc/shadow', tier: 'credential' },
  { re: String.raw`wallet\.dat`, gate: 'wallet.dat', tier: 'credential' },
  { re: String.raw`keychain`, gate: 'keychain', tier: 'credential' },
  // sensitive: private, not credentials by format.
  { re: String.raw`authorized_keys`, gate: 'authorized_keys', tier: 'sensitive' },
  { re: String.raw`\/etc\/passwd`, gate: '/etc/passwd', tier: 'sensitive' },
  { re: String.raw`mcp\.json`, gate: 'mcp.json', tier: 'sensitive' },
  { re: String.raw`claude_desktop_config`, gate: 'claude_desktop_config', tier: 'sensitive' },
  { re: String.raw`\.cursor${SEP}`, gate: '.cursor', tier: 'sensitive' },
  { re: String.raw`\.bash_history`, gate: '.bash_history', tier: 'sensitive' },
  { re: String.raw`\.zsh_history`, gate: '.zsh_history', tier: 'sensitive' },
  { re: String.raw`credentials\.json`, gate: 'credentials.json', tier: 'sensitive' },
  { re: String.raw`secrets?\.(?:json|ya?ml)`, gate: 'secret', tier: 'sensitive' },
  { re: String.raw`token\.json`, gate: 'token.json', tier: 'sensitive' },
  // words in a path the agent read.
  { re: String.raw`credentials|secret|password|passwd|token|private|wallet|vault|\.pem$|\.key$`, gate: '', tier: 'word' },
];

export interface CredentialPathView {
  /** Add credential directories named bare (`~/.ssh`, `~/.aws`). */
  dirs?: boolean;
  /** Add the private files that are not credentials by format (agent configs, histories …). */
  sensitive?: boolean;
  /** Add file names that say secret (only for paths actually read). */
  pathWords?: boolean;
}

function entries(view: CredentialPathView): readonly CredentialPath[] {
  return CREDENTIAL_PATHS.filter(
    (p) =>
      p.tier === 'credential' ||
      (p.tier === 'dir' && (view.dirs || view.sensitive || view.pathWords)) ||
      (p.tier === 'sensitive' && (view.sensitive || view.pathWords)) || (p.tier === 'word' && view.pathWords),
  );
}

/** The alternation (no surrounding group) of a view, for embedding in a larger pattern. */
export function credentialPathSource(view: CredentialPathView = {}): string {
  return entries(view).map((p) => p.re).join('|');
}

/** The view compiled on its own (`i`: for text that is not normalised). */
export function credentialPathRegex(view: CredentialPathView = {}, flags = 'i'): RegExp {
  return new RegExp(credentialPathSource(view), flags);
}

/** Literals for a gate that opens wherever a path of the view can match (never for `pathWords`, which has none). */
export function credentialPathGates(view: Omit<CredentialPathView, 'pathWords'> = {}): string[] {
  return [...new Set(entries(view).map((p) => p.gate))];
}
