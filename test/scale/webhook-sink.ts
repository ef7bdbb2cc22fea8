import { RecordingServer } from '../support/recording-server.js';

/** One event as the webhook sink received it. */
export interface SinkEvent {
  readonly messageId: string;
  readonly userId: string;
  /** The user's sequence number (`properties.seq`): the order the test sent the user's events in. */
  readonly seq: number;
}

/**
 * A webhook destination on loopback (a real HTTP server) that refuses some requests once with 503, so the
 * routers retry them after backoff and hold the users' later events back (the per-user retry barrier).
 */
export class WebhookSink {
  /** Events whose first delivery attempt was refused. */
  readonly refusedOnce = new Set<string>();
  /** Sequence numbers (`properties.seq`) seen in requests as they come in, before they are answered. */
  readonly arriving = new Set<number>();

  private constructor(readonly server: RecordingServer) {}

  /**
   * `refuse(messageId)`: whether a request carrying this event is refused the first time it comes.
   * `delayMs`: every answer comes this late (like a remote API), so a router has requests in flight.
   */
  static async start(refuse: (messageId: string) => boolean, delayMs = 0): Promise<WebhookSink> {
    const sink = new WebhookSink(await RecordingServer.start());
    sink.server.respond = (request) => {
      const body = request.body as { batch?: { messageId: string; properties?: { seq?: number } }[]; messageId?: string; properties?: { seq?: number } };
      for (const e of body.batch ?? [body]) if (typeof e.properties?.seq === 'number') sink.arriving.add(e.properties.seq);
      const ids = (body.batch ?? [body]).map((e) => String(e.messageId));
      const victim = ids.find((id) => refuse(id) && !sink.refusedOnce.has(id));
      if (victim === undefined) return { status: 200, delayMs };
      sink.refusedOnce.add(victim);
      return { status: 503, delayMs };
    };
    return sink;
  }

  get url(): string {
    return this.server.url;
  }

  /** Every event accepted (2xx), in arrival order, repeats included. */
  received(): SinkEvent[] {
    return this.server.events().map((e) => ({ messageId: String(e.messageId), userId: String(e.userId), seq: Number((e.properties as { seq: number }).seq) }));
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

/**
 * What at-least-once delivery in per-user order promises a receiver that deduplicates by messageId: per user,
 * the FIRST arrivals of the events in `considered` come in increasing `seq` (a retried event holds its user's
 * later ones back; a repeat after a takeover re-sends what came before and never jumps ahead). Returns one
 * line per user whose first arrivals are out of order (empty when the promise held).
 */
export function orderViolations(arrivals: readonly SinkEvent[], considered: ReadonlySet<string>): string[] {
  const firstSeqs = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const e of arrivals) {
    if (!considered.has(e.messageId) || seen.has(e.messageId)) continue;
    seen.add(e.messageId);
    let list = firstSeqs.get(e.userId);
    if (!list) firstSeqs.set(e.userId, (list = []));
    list.push(e.seq);
  }
  const violations: string[] = [];
  for (const [user, seqs] of firstSeqs) {
    const at = seqs.findIndex((s, i) => i > 0 && s <= seqs[i - 1]!);
    if (at >= 0) violations.push(`${user}: ${seqs[at - 1]} then ${seqs[at]} (first arrivals ${seqs.join(',')})`);
  }
  return violations;
}
