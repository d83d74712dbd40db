/**
 * JetStream publishes with their acknowledgements, made cheap enough for one
 * per MCP message. A JetStream publish is a core NATS publish with a reply
 * subject; the stream answers there with a PubAck ({"stream":..,"seq":..}) or
 * an error ({"error":{"code":..,"description":..}}), and with an empty 503
 * status when no stream holds the subject.
 *
 * The nats client's js.publish() does the same through its generic request
 * path, which costs per message a header set, a timer, a promise chain and
 * two Error objects with stack traces (one even on success): measured at a
 * fifth of mcp-parser's CPU. Here one wildcard inbox subscription takes every
 * reply, and one sweep timer expires what was not answered in time.
 */
import { createInbox, Msg, NatsConnection, Subscription } from 'nats';

interface Waiting {
  resolve(): void;
  reject(err: Error): void;
  deadline: number;
}

export class JetStreamPublishError extends Error {}

export class JetStreamPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private readonly decoder = new TextDecoder();
  private nextId = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${createInbox()}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (_err, m) => this.onReply(m) });
    this.sweep = setInterval(() => this.expire(Date.now()), Math.min(250, timeoutMs)).unref();
  }

  /** Acknowledgements not yet received. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Resolves when the stream has stored the message; rejects on an error answer or after the timeout. */
  publish(subject: string, data: Uint8Array): Promise<void> {
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}${id}` });
      } catch (err) {
        this.waiting.delete(id);
        reject(err as Error);
      }
    });
  }

  private onReply(m: Msg): void {
    const id = Number(m.subject.slice(this.prefix.length));
    const w = this.waiting.get(id);
    if (!w) return; // answered after its timeout: the retry is already under way
    this.waiting.delete(id);
    if (m.data.length === 0) {
      const code = m.headers?.code ?? 0;
      w.reject(new JetStreamPublishError(code === 503 ? 'no JetStream stream holds this subject (503 no responders)' : `JetStream answered with status ${code}`));
      return;
    }
    let answer: { error?: { code?: number; description?: string }; seq?: number };
    try {
      answer = JSON.parse(this.decoder.decode(m.data)) as typeof answer;
    } catch {
      w.reject(new JetStreamPublishError('JetStream answered with something that is not JSON'));
      return;
    }
    if (answer.error) w.reject(new JetStreamPublishError(`JetStream refused the message: ${answer.error.description ?? 'error'} (${answer.error.code ?? '?'})`));
    else w.resolve();
  }

  /** Ids grow with time and the timeout is fixed, so the oldest waits come first in the map. */
  private expire(now: number, reason = `no acknowledgement from JetStream within ${this.timeoutMs} ms`): void {
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(id);
      w.reject(new JetStreamPublishError(reason));
    }
  }

  /** Fails what is still waiting and stops listening. */
  close(): void {
    clearInterval(this.sweep);
    try {
      this.sub.unsubscribe();
    } catch {
      // already gone with its connection
    }
    this.expire(Number.POSITIVE_INFINITY, 'the connection closed before JetStream acknowledged the message');
  }
}
