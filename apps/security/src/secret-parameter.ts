/**
 * Round 21t: a tool whose input schema asks for one of the user's own secrets when the tool's job needs none.
 *
 * A weather, booking, search or translation tool has no use for the user's banking password, a card's PIN or CVV, a
 * one-time code, a wallet's recovery phrase or a browser session cookie; a parameter that asks for one (by its name or
 * its description, in any of the writers' languages) is a collection channel. The judgement is structural: what the
 * parameter asks for against what the tool's name says it does. Tools whose names are about accounts, sign-in,
 * payment, keys, databases, devices or encryption may need such a secret and are left alone, and so are API keys and
 * access tokens (a service's own authentication is an honest required parameter).
 */

/** The user's own secrets (not a service's API key or token), in the writers' languages; read on the lower-cased text. */
const USER_SECRET =
  /(?:password|passwd|passwort|kennwort|contraseña|senha|mot de passe|hasło|haslo|losenord|lösenord|salasana|jelszó|jelszo|heslo|parola|lozinka|şifre|sifre|mật khẩu|mat_khau|пароль|비밀번호|パスワード|暗証番号|密码|口令|(?<![\p{L}\p{N}])pin(?![\p{L}\p{N}])|pin[-_ ]?(?:code|kod|koodi)|(?<![\p{L}\p{N}])otp(?![\p{L}\p{N}])|one[- ]time (?:code|password)|(?<![\p{L}\p{N}])2fa|two[- ]factor|mfa code|backup codes?|verification code|(?<![\p{L}\p{N}])cvv(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])cvc(?![\p{L}\p{N}])|seed phrase|recovery phrase|mnemonic|private key|session[_ ]cookie|(?<![\p{L}\p{N}])cookies?(?![\p{L}\p{N}])|bank(?:ing)?[_ ]login|master password|bankid)/u;
/** Tool names whose job may need a user's secret (sign-in, accounts, payment, keys, databases, devices, encryption). */
export const NEEDS_SECRET =
  /(?:login|log in|sign[- ]?in|signin|auth|password|passwd|credential|account|user|member|connect|session|secret|vault|key|token|wallet|bank|pay|card|charge|checkout|ssh|sftp|ftp|database|db|sql|postgres|mysql|redis|smtp|imap|wifi|wi-fi|router|encrypt|decrypt|zip|pdf|unlock|lock|2fa|mfa|otp|totp|verify|identity|kyc|register|signup|sign up|reset|enrol|enroll|device|vpn|proxy|admin|port|item|1password|bitwarden|keepass)/i;

const MAX_TOOLS = 64;
const MAX_PROPERTIES = 48;
const MAX_FIELD = 2000;

/** One parameter of a listed tool, as `listedParameters` hands it out (names and description clipped). */
export interface ListedParameter {
  /** Index of the tool in `result.tools`. */
  tool: number;
  /** The tool's name, clipped to 200 units ('' when it has none). */
  toolName: string;
  /** The parameter's name, clipped to 200 units (hostile text: evidence only). */
  parameter: string;
  /** The parameter's schema (any value: check its shape before reading it). */
  value: unknown;
  /** Its description, clipped to MAX_FIELD, or ''. */
  description: string;
  /** The field path of the parameter (its name when it is a plain word, else its position). */
  field: string;
}

/**
 * Every parameter of a `tools/list` result, in order, bounded (MAX_TOOLS tools, MAX_PROPERTIES parameters each);
 * anything not of the expected shape is skipped, so it never throws. `skipTool` (given the clipped tool name) leaves a
 * whole tool out before its schema is read. Shared by the off-purpose secret check below and `harvest-parameter.ts`.
 */
export function* listedParameters(result: unknown, skipTool?: (toolName: string) => boolean): Generator<ListedParameter> {
  if (!result || typeof result !== 'object') return;
  const tools = (result as { tools?: unknown }).tools;
  if (!Array.isArray(tools)) return;
  for (let i = 0; i < tools.length && i < MAX_TOOLS; i++) {
    const tool = tools[i] as { name?: unknown; inputSchema?: unknown } | null;
    if (!tool || typeof tool !== 'object') continue;
    const toolName = typeof tool.name === 'string' ? tool.name.slice(0, 200) : '';
    if (skipTool?.(toolName)) continue;
    const schema = tool.inputSchema as { properties?: unknown } | null | undefined;
    const props = schema && typeof schema === 'object' ? schema.properties : undefined;
    if (!props || typeof props !== 'object' || Array.isArray(props)) continue;
    let n = 0;
    for (const [param, value] of Object.entries(props as Record<string, unknown>)) {
      if (n++ >= MAX_PROPERTIES) break;
      const description = value && typeof value === 'object' && typeof (value as { description?: unknown }).description === 'string' ? (value as { description: string }).description.slice(0, MAX_FIELD) : '';
      const parameter = param.slice(0, 200);
      const safe = /^[\w-]{1,64}$/.test(parameter) ? parameter : `[${n - 1}]`;
      yield { tool: i, toolName, parameter, value, description, field: `result.tools[${i}].inputSchema.properties.${safe}` };
    }
  }
}

export interface SecretParameter {
  /** Index of the tool in `result.tools`. */
  tool: number;
  /** The parameter's name (hostile text: for evidence, clipped by the caller). */
  parameter: string;
  /** `parameter: description`, what the evidence shows. */
  text: string;
  /** The field path of the parameter's description (or of the parameter when it has none). */
  field: string;
  start: number;
  end: number;
}

/**
 * The first parameter of a `tools/list` result that asks for a user's secret in a tool whose name does not need one.
 * Never throws on malformed input: anything that is not the expected shape is skipped.
 */
export function secretParameterOffPurpose(result: unknown): SecretParameter | undefined {
  for (const p of listedParameters(result, (toolName) => NEEDS_SECRET.test(toolName.replace(/_/g, ' ')))) {
    const text = p.description ? `${p.parameter}: ${p.description}` : p.parameter;
    const m = USER_SECRET.exec(text.replace(/_/g, ' ').toLowerCase());
    if (!m) continue;
    return { tool: p.tool, parameter: p.parameter, text, field: `${p.field}${p.description ? '.description' : ''}`, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
