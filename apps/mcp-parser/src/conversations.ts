/**
 * What a conversation (`session`) has told so far, and the logical calls of
 * Multi Round-Trip Requests. Fills a message's added fields
 * (`protocol_version`, `client_*`, `server_*`, `traceparent`, `result_type`,
 * `retry_of`/`retry_of_id`/`round`) from the message itself, its paired
 * request, its HTTP headers, and the conversation's earlier messages.
 *
 * MRTR: a result with `resultType: "input_required"` leaves the call open;
 * the client's retry is a new request (new id) carrying `inputResponses`
 * and/or the server's `requestState`. The retry is matched to the open call
 * by `requestState` when there is one, else by method and target
 * (`params.name`/`uri`) in the same conversation. The memory is this
 * instance's own (bounded): with several parser instances a retry is linked
 * when the same instance saw the interim result.
 */
import { describeResultType, McpMessageEvent, PairedRequest, resultTypeOf } from '@mcpspy/events';
import type { Draft } from './message-builder';
import { flatKey } from './flat-key';
import { BoundedMap } from './live-queue';
import { MessageFacts, paramsFacts, resultFacts, resultRequestState, retryFacts, targetOf } from './mcp-meta';

const MAX_SESSIONS = 50_000;
const MAX_CALLS = 100_000;
const NOTHING: Readonly<Record<string, never>> = Object.freeze({});

interface Origin {
  msgId: string;
  id: string | number;
  rounds: number;
}

/** A request's call when it is a retry or carries trace context; a request that starts its own plain call has none. */
interface Call {
  origin: Origin;
  traceparent?: string;
  tracestate?: string;
}

type SessionFacts = Pick<MessageFacts, 'protocolVersion' | 'clientName' | 'clientVersion' | 'serverName' | 'serverVersion'>;

export class Conversations {
  private readonly sessions = new BoundedMap<SessionFacts>(MAX_SESSIONS);
  /**
   * Requests by session, id and method: the logical call each belongs to, and its trace context. A
   * request that starts its own call and carries no trace context (nearly all) keeps nothing here: the
   * Store keeps its msg_id with the pending request (RequestPairing), and its response gets it back
   * with the request. (Until session 4 each pending request kept an entry here: ~130 B and two more
   * lookups in a 100,000-entry Map per request.)
   */
  private readonly calls = new BoundedMap<Call>(MAX_CALLS);
  /** Calls waiting for their retry, by requestState and by method+target. */
  private readonly open = new BoundedMap<Origin>(MAX_CALLS);

  /** `requestMsgId`: the msg_id of the paired request's line, when the Store kept it with the request. */
  annotate(out: McpMessageEvent, d: Draft, request: PairedRequest | undefined, requestMsgId?: string): void {
    const p = d.parsed;
    const own: MessageFacts =
      p.type === 'request' || p.type === 'notification'
        ? paramsFacts(p.method, p.params)
        : { ...(request ? paramsFacts(request.method, request.params) : {}), ...resultFacts(request?.method, p.result) };
    const h = d.headers;
    if (h) {
      if (own.protocolVersion === undefined && h.protocolVersion) own.protocolVersion = h.protocolVersion;
      if (own.traceparent === undefined && h.traceparent) own.traceparent = h.traceparent;
      if (own.tracestate === undefined && h.tracestate) own.tracestate = h.tracestate;
    }
    if ((p.type === 'response' || p.type === 'error') && request && own.traceparent === undefined) {
      // The request's trace context came in its HTTP headers.
      const call = this.calls.map.size > 0 ? this.calls.get(requestKey(d.session, request.id, request.method)) : undefined;
      if (call) {
        if (call.traceparent) own.traceparent = call.traceparent;
        if (call.tracestate) own.tracestate = call.tracestate;
      }
    }
    const known = this.remember(d.session, own);
    setIf(out, 'protocol_version', own.protocolVersion ?? known.protocolVersion);
    setIf(out, 'client_name', own.clientName ?? known.clientName);
    setIf(out, 'client_version', own.clientName !== undefined ? own.clientVersion : known.clientVersion);
    setIf(out, 'server_name', own.serverName ?? known.serverName);
    setIf(out, 'server_version', own.serverName !== undefined ? own.serverVersion : known.serverVersion);
    setIf(out, 'traceparent', own.traceparent);
    setIf(out, 'tracestate', own.tracestate);
    if (p.type === 'response') {
      const rt = resultTypeOf(p.result);
      if (rt !== undefined) {
        out.result_type = rt;
        // An interim result says what it is (`Input required: …`, `Running as a task`); a complete one needs no words.
        const described = describeResultType(rt);
        if (described !== undefined && out.description === undefined) out.description = described;
      }
    }
    this.link(out, d, request, requestMsgId);
  }

  private link(out: McpMessageEvent, d: Draft, request: PairedRequest | undefined, requestMsgId: string | undefined): void {
    const p = d.parsed;
    if (p.type === 'request' && p.id !== undefined && p.id !== null && out.msg_id) {
      let origin: Origin | undefined;
      const rf = retryFacts(p.params);
      if (rf.retry) {
        const byState = rf.requestState !== undefined ? stateKey(d.session, rf.requestState) : undefined;
        const byCall = callKey(d.session, p.method, targetOf(p.params));
        origin = (byState !== undefined ? this.open.get(byState) : undefined) ?? this.open.get(byCall);
        if (origin) {
          if (byState !== undefined) this.open.delete(byState);
          this.open.delete(byCall);
          out.retry_of = origin.msgId;
          out.retry_of_id = origin.id;
          out.round = ++origin.rounds;
        }
      }
      if (origin === undefined && out.traceparent === undefined && out.tracestate === undefined) {
        // A request that starts its own call without trace context (nearly all) keeps nothing here: the Store
        // keeps its msg_id with it (TakenRequest.msgId), which its response gets back. An older entry under
        // the same key (an id used again) goes.
        if (this.calls.map.size > 0) this.calls.delete(requestKey(d.session, p.id, p.method));
      } else this.calls.put(requestKey(d.session, p.id, p.method), { origin: origin ?? { msgId: out.msg_id, id: p.id, rounds: 1 }, traceparent: out.traceparent, tracestate: out.tracestate });
      return;
    }
    if ((p.type !== 'response' && p.type !== 'error') || !request) return;
    let call: Call | undefined;
    if (this.calls.map.size > 0) {
      const rk = requestKey(d.session, request.id, request.method);
      call = this.calls.get(rk);
      if (call !== undefined) this.calls.delete(rk);
    }
    if (out.result_type !== 'input_required') return;
    // Without a call record the request started its call: its first round, known by the msg_id stored with it.
    let origin: Origin;
    if (call) origin = call.origin;
    else if (requestMsgId !== undefined) origin = { msgId: requestMsgId, id: request.id as string | number, rounds: 1 };
    else return;
    const state = resultRequestState(p.result);
    if (state !== undefined) this.open.put(stateKey(d.session, state), origin);
    this.open.put(callKey(d.session, request.method, targetOf(request.params)), origin);
  }

  /** Merges a message's own facts into its conversation's and returns the conversation's. */
  private remember(session: string, own: MessageFacts): SessionFacts {
    const prev = this.sessions.get(session);
    // Most messages (notifications, results of the 2026 era) tell nothing new: no copy, no map write.
    if (own.protocolVersion === undefined && own.clientName === undefined && own.serverName === undefined) return prev ?? NOTHING;
    const next: SessionFacts = { ...prev };
    if (own.protocolVersion !== undefined) next.protocolVersion = own.protocolVersion;
    if (own.clientName !== undefined) {
      next.clientName = own.clientName;
      next.clientVersion = own.clientVersion;
    }
    if (own.serverName !== undefined) {
      next.serverName = own.serverName;
      next.serverVersion = own.serverVersion;
    }
    if (prev || Object.keys(next).length > 0) this.sessions.put(session, next);
    return next;
  }
}

function setIf<K extends keyof McpMessageEvent>(out: McpMessageEvent, k: K, v: McpMessageEvent[K] | undefined): void {
  if (v !== undefined) out[k] = v;
}

function requestKey(session: string, id: string | number | null, method: string | undefined): string {
  return flatKey(`${session}\0${JSON.stringify(id)}\0${method ?? ''}`);
}

function stateKey(session: string, state: string): string {
  return flatKey(`${session}\0s\0${state}`);
}

function callKey(session: string, method: string | undefined, target: string): string {
  return flatKey(`${session}\0c\0${method ?? ''}\0${target}`);
}
