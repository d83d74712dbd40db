/**
 * Client of the HuggingFace Inference API text-classification endpoint:
 * POST {baseUrl}/{model} with {"inputs": text}, answered by a list of
 * {label, score} (or a list of such lists). Each attempt has a timeout;
 * 429 and 503 (rate limit, model loading) are retried a bounded number of
 * times with exponential backoff, honouring Retry-After / estimated_time up
 * to a cap. Other failures are reported at once.
 */
import { HfApiError } from './errors';

export interface HfClientOptions {
  token?: string;
  baseUrl: string;
  model: string;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429/503 (default 3). */
  maxRetries?: number;
  /** First backoff delay, doubled each retry (default 500 ms). */
  backoffMs?: number;
  /** Upper bound of any single wait (default 10 s). */
  maxBackoffMs?: number;
}

export interface LabelScore {
  label: string;
  score: number;
}

export type Verdict = { malicious: number; label: string; kind: 'prompt_injection' | 'jailbreak' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export class HfClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly opts: HfClientOptions) {
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/${opts.model}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  async classify(text: string): Promise<LabelScore[]> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
          },
          body: JSON.stringify({ inputs: text }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const e = err as Error;
        const detail = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : e.message;
        throw new HfApiError(`${this.url}: ${detail}`, undefined, { cause: err });
      }
      const body = await res.text().catch(() => '');
      if (res.status === 429 || res.status === 503) {
        if (attempt >= this.maxRetries) {
          throw new HfApiError(`${this.url}: HTTP ${res.status} after ${attempt + 1} attempts`, res.status);
        }
        await sleep(this.delayFor(attempt, res, body));
        continue;
      }
      if (!res.ok) throw new HfApiError(`${this.url}: HTTP ${res.status} ${clipBody(body)}`, res.status);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        throw new HfApiError(`${this.url}: answer is not JSON: ${clipBody(body)}`, res.status, { cause: err });
      }
      const labels = flattenLabels(parsed);
      if (!labels) throw new HfApiError(`${this.url}: answer has no label scores: ${clipBody(body)}`, res.status);
      return labels;
    }
  }

  private delayFor(attempt: number, res: Response, body: string): number {
    let hinted = 0;
    const ra = res.headers.get('retry-after');
    if (ra && /^\d+(\.\d+)?$/.test(ra.trim())) hinted = Number(ra) * 1000;
    try {
      const est = (JSON.parse(body) as { estimated_time?: unknown }).estimated_time;
      if (typeof est === 'number' && est > 0) hinted = Math.max(hinted, est * 1000);
    } catch {
      // A non-JSON 503 body is common behind proxies; the exponential delay applies.
    }
    const exp = this.backoffMs * 2 ** attempt;
    return Math.min(this.maxBackoffMs, Math.max(exp, hinted));
  }
}

function clipBody(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? one.slice(0, 160) + '…' : one;
}

function isLabel(v: unknown): v is LabelScore {
  return !!v && typeof v === 'object' && typeof (v as LabelScore).label === 'string' && typeof (v as LabelScore).score === 'number';
}

/** Accepts [{label,score}…] and [[{label,score}…]] (the API nests one list per input). */
export function flattenLabels(v: unknown): LabelScore[] | undefined {
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) v = v[0];
  if (!Array.isArray(v) || v.length === 0 || !v.every(isLabel)) return undefined;
  return v as LabelScore[];
}

const MALICIOUS = new Set(['LABEL_1', 'INJECTION', 'MALICIOUS', 'UNSAFE', 'JAILBREAK', 'PROMPT_INJECTION']);
const BENIGN = new Set(['LABEL_0', 'SAFE', 'BENIGN', 'LEGIT', 'LEGITIMATE']);

/**
 * Maps a model's labels to one malicious probability. Llama-Prompt-Guard-2:
 * LABEL_0 benign, LABEL_1 malicious. protectai/deberta-v3-base-prompt-injection-v2:
 * SAFE / INJECTION. Prompt-Guard v1 splits INJECTION and JAILBREAK: the larger names the kind.
 */
export function verdictOf(labels: readonly LabelScore[]): Verdict {
  let malicious = 0;
  let label = '';
  let kind: Verdict['kind'] = 'prompt_injection';
  let benign: number | undefined;
  for (const l of labels) {
    const name = l.label.toUpperCase();
    if (MALICIOUS.has(name)) {
      if (l.score > malicious) {
        malicious = l.score;
        label = l.label;
        kind = name === 'JAILBREAK' ? 'jailbreak' : 'prompt_injection';
      }
    } else if (BENIGN.has(name)) {
      benign = Math.max(benign ?? 0, l.score);
    }
  }
  if (!label && benign !== undefined) {
    malicious = Math.max(0, 1 - benign);
    label = 'not-benign';
  }
  return { malicious, label, kind };
}
