/**
 * Who may talk to the web view. MCP Inspector's proxy answered anyone who
 * could reach its port, and a web page the user visited could (CVE-2025-49596):
 * here every route and the event stream need the token, requests must name
 * this server in Host (a DNS-rebound name is refused) and come from its own
 * origin (Origin, Sec-Fetch-Site).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** A fresh random token: 32 bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison: hashing first gives equal lengths, so neither length nor content leaks through timing. */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Name of the cookie holding the token: per port, since cookies do not tell ports apart. */
export function cookieName(port: number): string {
  return `mcpspy_web_${port}`;
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The token of a request: the cookie, or `Authorization: Bearer …`. */
export function requestToken(headers: { cookie?: string; authorization?: string }, port: number): string | undefined {
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return cookieValue(headers.cookie, cookieName(port));
}

/** `name` and port of a Host header; undefined when it does not parse. */
export function parseHostHeader(host: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return undefined;
  return { name: m[1].toLowerCase(), port: m[2] === undefined ? 80 : Number(m[2]) };
}

/**
 * A Host header names this server when its port is ours and its name is an
 * IP address, `localhost`, or a name the operator allowed. Any other name is
 * what a DNS-rebinding page sends (its own domain, resolved to our address).
 */
export function hostAllowed(host: string | undefined, port: number, allowedNames: readonly string[] = []): boolean {
  if (!host) return false;
  const h = parseHostHeader(host);
  if (!h || h.port !== port) return false;
  const bare = h.name.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return true;
  if (h.name === 'localhost') return true;
  return allowedNames.some((n) => n.toLowerCase() === h.name);
}

/**
 * The request comes from our own pages or from no page at all (the address
 * bar, curl). `Origin`, when sent, must be this very origin; `Sec-Fetch-Site`,
 * when sent, must be `same-origin` or `none` (another port of localhost is
 * "same-site" and still refused).
 */
export function originAllowed(origin: string | undefined, fetchSite: string | undefined, host: string): boolean {
  if (origin !== undefined && origin !== `http://${host}`) return false;
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  return true;
}
