/**
 * The output: one message at a time, in the order drafts are handed in.
 * Filters what is not MCP, starts each message's Store call at once (a request
 * is remembered, a response takes its request), queues its emission behind
 * the previous one, numbers it (`seq`, `msg_id`) and emits it.
 *
 * Store calls are issued in message order on one connection (Redis runs them
 * in that order), so a request is stored before its response looks for it,
 * while many lookups are in flight together instead of one round trip per
 * message.
 */
import { isKnownMethod, McpMessageEvent, PairedRequest, visibleText } from '@mcpspy/events';
import { Counters, Logger } from '@mcpspy/runtime';
import { Conversations } from './conversations';
import { EmitError } from './errors';
import { buildMessage, Draft } from './message-builder';
import { Notices } from './notices';
import { AnswerWindow, ANSWER_WINDOW_DEFAULTS, type AnswerWindowBounds } from './reorder-window';
import { RequestPairing, type TakenRequest } from './request-pairing';

const MAX_MCP_SCOPES = 100_000;

export class MessageOutput {
  private chain: Promise<void> = Promise.resolve();
  /** Messages queued on the chain and not finalized yet: while none is, a message that waits for nothing goes out at once. */
  private queued = 0;
  /** The latest request handed to the Store (the Store runs its calls in order, so it is the last to finish). */
  private lastRemember: Promise<void> | undefined;
  private readonly mcpScopes = new Set<string>();
  private readonly conversations = new Conversations();
  private seq = 0;
  /** `messages_emitted`, taken when first counted (Counters.cell). */
  private emittedCell: { n: number } | undefined;
  /** Stdio answers that found no request, held briefly for it (reorder-window.ts); let go back into output(). */
  readonly answers: AnswerWindow;

  constructor(
    private readonly pairing: RequestPairing,
    private readonly notices: Notices,
    private readonly instance: string,
    private readonly emitFn: (msg: McpMessageEvent) => void,
    private readonly counters: Counters,
    private readonly logger: Logger,
    answerWindow: AnswerWindowBounds = ANSWER_WINDOW_DEFAULTS,
  ) {
    this.answers = new AnswerWindow(answerWindow, counters, (d) => this.output(d));
  }

  /** Resolves when every message handed in so far is out and every request handed in is stored. */
  get idle(): Promise<void> {
    const stored = this.lastRemember;
    return stored ? this.chain.then(() => stored) : this.chain;
  }

  /** Whether any of these channels, streams or sessions carried MCP. */
  isMcp(scopes: string[]): boolean {
    return scopes.some((s) => this.mcpScopes.has(s));
  }

  output(d: Draft): void {
    const p = d.parsed;
    let unknown = false;
    if (p.method !== undefined) {
      if (isKnownMethod(p.method)) this.markMcp(d.mcpScopes);
      else if (!this.isMcp(d.mcpScopes)) {
        this.counters.reject(this.logger, 'unknown_method_dropped', 'JSON-RPC with an unknown method on a stream without MCP traffic', {
          method: p.method.slice(0, 100),
        });
        return;
      } else {
        unknown = true;
        this.counters.inc('unknown_methods');
        this.notices.report('unknown_method', {
          timestamp: d.timestamp,
          pid: d.origin.pid,
          comm: d.origin.comm,
          stream: d.origin.stream,
          detail: 'a JSON-RPC message whose method no MCP revision defines, on a stream that carries MCP; written, marked unknown_method',
          sample: visibleText(p.method, 200),
        });
      }
    }
    let pairing: Promise<TakenRequest | undefined> | undefined;
    let taken: TakenRequest | undefined;
    const isRequest = p.type === 'request' && d.requestScope !== undefined;
    const isAnswer = !isRequest && d.responseScopes !== undefined && p.id !== null && p.id !== undefined;
    if (isAnswer && this.pairing.takesNow) {
      // In-process pending requests: found now, so a response needs no promise either.
      taken = this.pairing.takeNow(d.responseScopes!, p.id!);
      // No request: maybe its record is still on its way (reorder-window.ts). Held before it takes a seq: it is
      // numbered when it is written.
      if (!taken && this.answers.hold(d, this.mcpScopes.has(d.session))) return;
    }
    // Numbered now, in the order finalize runs (every draft past this point is finalized once, in order), so a
    // request's Store entry can carry its line's msg_id.
    const seq = ++this.seq;
    // The line's msg_id, made once: a request's Store entry carries it too.
    const msgId = `${this.instance}:${seq}`;
    if (isRequest) {
      const scope = d.requestScope!;
      // Its requester asks this responder: an answer of theirs that comes first may wait for its request.
      if (d.stdio) this.answers.requestHandedIn(scope);
      const req: PairedRequest = { type: 'request', id: p.id ?? null, method: p.method ?? '', error: {}, timestamp: d.timestamp };
      if ('params' in p) req.params = p.params;
      // Issued now, in message order, so it is stored before a later response looks for it; the request itself
      // need not wait for the Store's answer (remember counts its own failures and never rejects).
      this.lastRemember = this.pairing.remember(scope, req, d.stdio?.from_pid ?? d.http?.pid ?? 0, msgId);
    } else if (isAnswer && !this.pairing.takesNow) pairing = this.pairing.take(d.responseScopes!, p.id!);
    if (!pairing && this.queued === 0) {
      // Nothing to wait for and nothing ahead of it: out now, without a promise per message.
      this.finalizeOrCount(d, taken, unknown, seq, msgId);
      return;
    }
    this.queued++;
    this.chain = this.chain.then(async () => {
      let request: TakenRequest | undefined = taken;
      try {
        if (pairing) request = await pairing;
      } catch (err) {
        // take() counts its own failures; this keeps the chain alive whatever happens.
        this.counters.reject(this.logger, 'internal_errors', `failed to pair message: ${(err as Error)?.message ?? err}`);
      }
      this.queued--;
      // Through the Store the miss is known only now: held all the same (its seq is left unused).
      if (!request && this.answers.hold(d, this.mcpScopes.has(d.session))) return;
      this.finalizeOrCount(d, request, unknown, seq, msgId);
    });
  }

  private finalizeOrCount(d: Draft, taken: TakenRequest | undefined, unknown: boolean, seq: number, msgId: string): void {
    try {
      this.finalize(d, taken?.request, unknown, seq, msgId, taken?.msgId);
    } catch (err) {
      this.counters.reject(this.logger, 'internal_errors', `failed to finalize message: ${(err as Error)?.message ?? err}`);
    }
    // A request is out: an answer held for it follows (in finalize order, so a request handed in after the answer's
    // Store lookup started is still seen; its own Store write was issued first, so the answer's lookup finds it).
    if (d.requestScope && this.answers.size > 0) this.answers.requestWritten(d.requestScope, d.parsed.id);
  }

  private finalize(d: Draft, request: PairedRequest | undefined, unknown: boolean, seq: number, msgId: string, requestMsgId: string | undefined): void {
    if (d.responseScopes) {
      if (request) {
        this.counters.inc('paired_responses');
        this.markMcp(d.mcpScopes);
      } else this.counters.inc('unpaired_responses');
    }
    const out = buildMessage(d, request);
    out.seq = seq;
    out.msg_id = msgId;
    if (unknown) out.unknown_method = true;
    if (!request && d.exchangeMethod && (out.type === 'response' || out.type === 'error')) out.request_method = d.exchangeMethod;
    this.conversations.annotate(out, d, request, requestMsgId);
    if (out.retry_of) this.counters.inc('mrtr_retries_linked');
    if (d.reportViolations && this.isMcp(d.mcpScopes)) d.reportViolations();
    (this.emittedCell ??= this.counters.cell('messages_emitted')).n++;
    try {
      this.emitFn(out);
    } catch (err) {
      this.counters.reject(this.logger, 'emit_errors', new EmitError(out.msg_id, { cause: err }).message);
    }
  }

  private markMcp(scopes: string[]): void {
    for (const s of scopes) {
      if (this.mcpScopes.has(s)) continue;
      this.mcpScopes.add(s);
      if (this.mcpScopes.size > MAX_MCP_SCOPES) this.mcpScopes.delete(this.mcpScopes.values().next().value as string);
    }
  }
}
