import { createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { isSluiceError } from '../../core/errors.js';
import type { DeliveryItem, DeliveryOutcome, DeliveryResult, DestinationContext, DestinationType, OutboundRequest } from '../destination.js';
import { urlWithoutSecrets } from '../destination-secrets.js';
import { RequestTimeoutError } from '../http/destination-http.js';
import { classifyHttpStatus } from '../http-status.js';

/**
 * Events per batched request unless the destination says otherwise, and the most it may ask for: Segment's
 * Webhooks (Actions) defaults (1,000, at most 4,000). An endpoint whose body limit is smaller answers 413, and
 * the batch is sent again in smaller requests (`deliverBatch`): a smaller limit costs requests, not events.
 */
const DEFAULT_BATCH_SIZE = 1000;
const MAX_BATCH_SIZE = 4000;
/**
 * Events per deliver() call without batching (one request each, 8 users at a time): an endpoint that times out
 * (10 s) on every user's first event holds the lane about two minutes per call, not twenty.
 */
const UNBATCHED_CALL_SIZE = 100;

export const WebhookConfigSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'http(s) URL every event (and deletion) is POSTed to' }),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }), Type.String(), { description: 'Extra request headers (secret: they often carry credentials; sealed at rest and shown masked)' })),
    signingSecret: Type.Optional(Type.String({ minLength: 8, description: 'HMAC-SHA256 key: X-Sluice-Signature: sha256=<hex of HMAC(body)>' })),
    batching: Type.Optional(Type.Boolean({ description: 'POST up to batchSize events at once as {"batch":[...]} (default false: one event per request)' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_SIZE, description: `Most events per {"batch":[...]} request with batching on (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE}, as Segment's Webhooks (Actions))` })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'Request timeout in ms (default 10000)' })),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfigSchema>;

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body with signingSecret>`. */
export const SIGNATURE_HEADER = 'x-sluice-signature';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Parallel requests when batching is off (events of one user are still sent one after another). */
const PARALLEL_USERS = 8;

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The event's JSON: the caller's serialization when it has one, so the event is not parsed and encoded again. */
function jsonOf(item: DeliveryItem): string {
  return item.json ?? JSON.stringify(item.event);
}

/** `{"batch":[...]}` of the items' events, byte for byte what `JSON.stringify({ batch: events })` gives. */
function batchBody(items: readonly DeliveryItem[]): string {
  return `{"batch":[${items.map(jsonOf).join(',')}]}`;
}

function request(config: WebhookConfig, body: string): OutboundRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Sluice-Webhook/1', ...(config.headers ?? {}) };
  if (config.signingSecret) headers[SIGNATURE_HEADER] = signBody(body, config.signingSecret);
  return { method: 'POST', url: config.url, headers, body };
}

/** A request's result, and whether it timed out (an answer may still come later: the endpoint may be slow). */
type SendResult = { readonly result: DeliveryResult; readonly timedOut: boolean };

/** Sends one request; `events` is how many it carries, named in the error when a batch times out. */
async function send(req: OutboundRequest, config: WebhookConfig, context: DestinationContext, events = 1): Promise<SendResult> {
  try {
    const res = await context.http.send(req, { timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: context.signal });
    return { result: classifyHttpStatus(res.status, res.headers, res.body), timedOut: false };
  } catch (error) {
    if (isSluiceError(error) && !error.retriable) return { result: { kind: 'abort', reason: error.code, error: error.message }, timedOut: false };
    if (error instanceof RequestTimeoutError) {
      const hint = events > 1 ? ` with a batch of ${events} events: if the endpoint needs longer for that many, lower the destination's batchSize or raise its timeoutMs` : '';
      return { result: { kind: 'retry', error: `${error.message}${hint}` }, timedOut: true };
    }
    return { result: { kind: 'retry', error: error instanceof Error ? error.message : String(error) }, timedOut: false };
  }
}

/** How an endpoint says a request was larger than it takes. */
const TOO_LARGE = 'http_413';

/**
 * Per URL, once it answered 413 or timed out on a batch whose first half then went through: the body size
 * (bytes) requests to it are cut to (half the smallest body refused, so at least half its limit, and below it once
 * none is refused any more). Forgotten after an hour, so an endpoint that was slow for a while, or whose limit
 * was raised, gets whole batches again; and when Sluice restarts.
 */
const fittingBytes = new Map<string, { bytes: number; since: number }>();
const FITTING_KEPT_MS = 3_600_000;

function fittingOf(url: string, now = Date.now()): number | undefined {
  const fitting = fittingBytes.get(url);
  if (fitting === undefined || now - fitting.since <= FITTING_KEPT_MS) return fitting?.bytes;
  fittingBytes.delete(url);
  return undefined;
}

function fitTo(url: string, bytes: number): void {
  const known = fittingOf(url);
  fittingBytes.set(url, { bytes: Math.min(bytes, known ?? bytes), since: Date.now() });
}

/** `{"batch":[` and `]}` around the events. */
const BATCH_BODY_OVERHEAD = 12;

/**
 * `{"batch":[...]}` requests for `items`, in queue order. A request answered 413 (the endpoint's body limit is
 * smaller) is sent again cut in requests of half its size, cut again while refused, down to single events: an
 * event over the limit on its own fails with `http_413`, the others are delivered. A batch that times out is
 * tried once more as its first half: if that goes through, the endpoint is slow for that many events (not down),
 * and the rest goes out at that size; if not, the whole batch is retried later as it was (an outage does not
 * shrink batches). Later batches to that URL are cut to the size that went through. Once a part fails in a way
 * that will be retried, the rest is not sent and retries after it, so no user's later event overtakes an
 * earlier one.
 */
function deliverBatch(items: readonly DeliveryItem[], config: WebhookConfig, context: DestinationContext): Promise<DeliveryOutcome> {
  const fitting = fittingOf(config.url);
  return deliverInOrder(fitting === undefined ? [items] : partsWithin(items, fitting), config, context);
}

/** Consecutive parts of `items` whose batch bodies are each at most `bytes` long (an event alone over it: its own part). */
function partsWithin(items: readonly DeliveryItem[], bytes: number): DeliveryItem[][] {
  const parts: DeliveryItem[][] = [];
  let part: DeliveryItem[] = [];
  let body = BATCH_BODY_OVERHEAD - 1;
  for (const item of items) {
    const size = Buffer.byteLength(jsonOf(item)) + 1;
    if (part.length > 0 && body + size > bytes) {
      parts.push(part);
      part = [];
      body = BATCH_BODY_OVERHEAD - 1;
    }
    part.push(item);
    body += size;
  }
  parts.push(part);
  return parts;
}

/** One request for `items`; `probe`: the first half of a batch that timed out, not cut again on a timeout. */
async function deliverPart(items: readonly DeliveryItem[], config: WebhookConfig, context: DestinationContext, probe = false): Promise<DeliveryOutcome> {
  const body = batchBody(items);
  const { result, timedOut } = await send(request(config, body), config, context, items.length);
  const tooLarge = result.kind === 'abort' && result.reason === TOO_LARGE;
  if (items.length === 1 || !(tooLarge || (timedOut && !probe))) return result;
  const half = Math.floor(Buffer.byteLength(body) / 2);
  const parts = partsWithin(items, half);
  if (tooLarge) {
    fitTo(config.url, half);
    return deliverInOrder(parts, config, context);
  }
  const first = await deliverPart(parts[0]!, config, context, true);
  if (!resultsOf(first, parts[0]!.length).some((r) => r.kind === 'retry')) fitTo(config.url, half);
  return deliverInOrder(parts, config, context, first);
}

/** The parts one after the other; `firstOutcome`: the first part's, when it was sent already. */
async function deliverInOrder(parts: readonly (readonly DeliveryItem[])[], config: WebhookConfig, context: DestinationContext, firstOutcome?: DeliveryOutcome): Promise<DeliveryOutcome> {
  if (parts.length === 1) return firstOutcome ?? deliverPart(parts[0]!, config, context);
  const results: DeliveryResult[] = [];
  let pause: { afterMs: number; error: string } | undefined;
  for (const [i, part] of parts.entries()) {
    const outcome = i === 0 && firstOutcome !== undefined ? firstOutcome : await deliverPart(part, config, context);
    const partResults = resultsOf(outcome, part.length);
    results.push(...partResults);
    pause ??= pauseOf(outcome);
    const held = partResults.find((r) => r.kind === 'retry');
    if (held?.kind === 'retry') {
      const waiting: DeliveryResult = held.afterMs === undefined
        ? { kind: 'retry', error: `not sent: an earlier part of the batch was not delivered (${held.error})` }
        : { kind: 'retry', error: `not sent: the endpoint asked to wait (${held.error})`, afterMs: held.afterMs };
      const total = parts.reduce((n, p) => n + p.length, 0);
      while (results.length < total) results.push(waiting);
      break;
    }
  }
  return pause ? { kind: 'per_item', results, pause } : { kind: 'per_item', results };
}

/** An outcome for `count` items as one result per item. */
function resultsOf(outcome: DeliveryOutcome, count: number): readonly DeliveryResult[] {
  return outcome.kind === 'per_item' ? outcome.results : Array.from({ length: count }, () => outcome);
}

/** The wait an outcome asks the router to keep for the whole destination (a refusal with Retry-After). */
function pauseOf(outcome: DeliveryOutcome): { afterMs: number; error: string } | undefined {
  if (outcome.kind === 'per_item') return outcome.pause;
  return outcome.kind === 'retry' && outcome.afterMs !== undefined ? { afterMs: outcome.afterMs, error: outcome.error } : undefined;
}

function userKey(item: DeliveryItem): string {
  return String(item.event.userId ?? item.event.anonymousId ?? item.messageId);
}

/**
 * Webhook: POSTs each event as Segment's JSON (original messageId kept), or `{"batch":[...]}` of up to
 * `batchSize` events (1,000 unless set, at most 4,000, as Segment's Webhooks (Actions); halved while the endpoint
 * answers 413) with batching on; custom headers; an HMAC-SHA256
 * signature of the body when a signing secret is set. A deletion is POSTed to the same URL as
 * `{"type":"delete","userId","anonymousIds","messageId"}`.
 */
export const webhookDestination: DestinationType<WebhookConfig> = {
  type: 'webhook',
  displayName: 'Webhook',
  configSchema: WebhookConfigSchema,
  secretFields: ['signingSecret', 'headers'],
  urlFields: ['url'],
  maxBatchSize: MAX_BATCH_SIZE,
  // Without batching, the events of one deliver() call go out as parallel requests: 100 per call.
  batchSizeOf: (config) => (config.batching ? (config.batchSize ?? DEFAULT_BATCH_SIZE) : UNBATCHED_CALL_SIZE),

  async deliver(items, config, context) {
    if (config.batching) return deliverBatch(items, config, context);
    // One request per event: users in parallel, each user's events in order; after a retriable failure the
    // user's later events are not sent (they retry after it, keeping their order).
    const results: DeliveryResult[] = new Array<DeliveryResult>(items.length);
    const byUser = new Map<string, number[]>();
    items.forEach((item, i) => {
      const key = userKey(item);
      const list = byUser.get(key);
      if (list) list.push(i);
      else byUser.set(key, [i]);
    });
    const queues = [...byUser.values()];
    // A request refused with Retry-After (429, 503) is the endpoint asking this client to wait: nothing more
    // is sent, and the router pauses the destination.
    let pause: { afterMs: number; error: string } | undefined;
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        let blocked: string | undefined;
        for (const i of queue) {
          if (blocked !== undefined) {
            results[i] = { kind: 'retry', error: `waiting for an earlier event of the same user: ${blocked}` };
            continue;
          }
          if (pause !== undefined) {
            results[i] = { kind: 'retry', error: `not sent: the endpoint asked to wait (${pause.error})`, afterMs: pause.afterMs };
            continue;
          }
          const { result } = await send(request(config, jsonOf(items[i]!)), config, context);
          results[i] = result;
          if (result.kind === 'retry') {
            blocked = result.error;
            if (result.afterMs !== undefined) pause ??= { afterMs: result.afterMs, error: result.error };
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_USERS, queues.length) }, worker));
    return pause ? { kind: 'per_item', results, pause } : { kind: 'per_item', results };
  },

  async deleteSubject(subject, config, context) {
    const req = request(
      config,
      JSON.stringify({
        type: 'delete',
        userId: subject.userIds[0] ?? null,
        anonymousIds: subject.anonymousIds,
        ...(subject.userIds.length > 1 ? { userIds: subject.userIds } : {}),
        emails: subject.emails,
        messageId: subject.requestId,
      }),
    );
    const { result } = await send(req, config, context);
    if (result.kind === 'ok') return { kind: 'deleted', detail: `POST ${urlWithoutSecrets(config.url)} answered 2xx` };
    if (result.kind === 'retry') return result.afterMs === undefined ? { kind: 'retry', error: result.error } : { kind: 'retry', error: result.error, afterMs: result.afterMs };
    return { kind: 'failed', error: result.error };
  },

  async preview(items, config) {
    const requests = config.batching ? [request(config, batchBody(items))] : items.map((i) => request(config, jsonOf(i)));
    return { requests: requests.map((r) => (config.signingSecret ? { ...r, headers: { ...r.headers, [SIGNATURE_HEADER]: 'sha256=<signature>' } } : r)), warnings: [] };
  },
};
