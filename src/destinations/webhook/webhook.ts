import { createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { isSluiceError } from '../../core/errors.js';
import { HELD_REASONS, heldByPause, perItemOutcome, type DeliveryItem, type DeliveryResult, type DestinationContext, type DestinationPause, type DestinationType, type OutboundRequest } from '../destination.js';
import { urlWithoutSecrets } from '../destination-secrets.js';
import { RequestTimeoutError } from '../http/destination-http.js';
import { retryOfNetworkFailure } from '../network-failure.js';
import { deliverInBatches, type SendResult } from './batch-cutting.js';
import { classifyHttpStatus } from '../http-status.js';

/**
 * Events per batched request unless the destination says otherwise, and the most it may ask for: Segment's
 * Webhooks (Actions) defaults (1,000, at most 4,000). An endpoint whose body limit is smaller answers 413, and
 * the batch is sent again in smaller requests (batch-cutting.ts): a smaller limit costs requests, not events.
 */
const DEFAULT_BATCH_SIZE = 1000;
const MAX_BATCH_SIZE = 4000;
/**
 * Events per deliver() call without batching (one request each, 8 users at a time): an endpoint that times out
 * (10 s) on every user's first event holds the lane about two minutes per call, not twenty.
 */
const UNBATCHED_CALL_SIZE = 100;

/** An HTTP header name (RFC 9110 token), as Node and undici accept it: the schema's key pattern and headerProblems' check. */
const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

export const WebhookConfigSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'http(s) URL every event (and deletion) is POSTed to' }),
    headers: Type.Optional(Type.Record(Type.String({ pattern: HEADER_NAME_PATTERN }), Type.String(), { description: 'Extra request headers (secret: they often carry credentials; sealed at rest and shown masked)' })),
    signingSecret: Type.Optional(Type.String({ minLength: 8, description: 'HMAC-SHA256 key: X-Sluice-Signature: sha256=<hex of HMAC(body)>, and X-Sluice-Signature-V2: t=<unix seconds>,sha256=<hex of HMAC("<t>.<body>")> (refuse an old t to refuse replays)' })),
    batching: Type.Optional(Type.Boolean({ description: 'POST up to batchSize events at once as {"batch":[...]} (default false: one event per request)' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_SIZE, description: `Most events per {"batch":[...]} request with batching on (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE}, as Segment's Webhooks (Actions))` })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'Request timeout in ms (default 10000)' })),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfigSchema>;

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body with signingSecret>`. */
export const SIGNATURE_HEADER = 'x-sluice-signature';
/**
 * The header carrying `t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<raw body>" with signingSecret>`: the time is
 * signed with the body, so a receiver that refuses a `t` more than a few minutes old refuses a captured request
 * replayed later (which the body-only signature cannot tell). Each attempt, retries included, is signed anew.
 */
export const TIMESTAMPED_SIGNATURE_HEADER = 'x-sluice-signature-v2';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Parallel requests when batching is off (events of one user are still sent one after another). */
const PARALLEL_USERS = 8;

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The {@link TIMESTAMPED_SIGNATURE_HEADER} value of `body` sent at `nowMs`. */
export function signTimestamped(body: string, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},sha256=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
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
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Sluice-Webhook/1' };
  // Header names are case-insensitive: a custom `Content-Type` replaces the default instead of going out beside it.
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (!SIGNATURE_HEADERS.has(name.toLowerCase())) setHeader(headers, name, value);
  }
  if (config.signingSecret) {
    headers[SIGNATURE_HEADER] = signBody(body, config.signingSecret);
    headers[TIMESTAMPED_SIGNATURE_HEADER] = signTimestamped(body, config.signingSecret, Date.now());
  }
  return { method: 'POST', url: config.url, headers, body };
}

/** The headers Sluice signs requests with: never taken from the custom headers. */
const SIGNATURE_HEADERS = new Set([SIGNATURE_HEADER, TIMESTAMPED_SIGNATURE_HEADER]);

/** Sets a header, replacing one of the same name in any case. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
  headers[name] = value;
}

/** Sends one request; `events` is how many it carries, named in the error when a batch times out. */
async function send(req: OutboundRequest, config: WebhookConfig, context: DestinationContext, events = 1): Promise<SendResult> {
  try {
    const res = await context.http.send(req, { timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: context.signal });
    return { result: classifyHttpStatus(res.status, res.headers, res.body), timedOut: false };
  } catch (error) {
    if (isSluiceError(error) && !error.retriable) return { result: { kind: 'abort', reason: error.code, error: error.message }, timedOut: false };
    if (error instanceof RequestTimeoutError) {
      const hint = events > 1 ? ` with a batch of ${events} events: if the endpoint needs longer for that many, lower the destination's batchSize or raise its timeoutMs` : '';
      return { result: { kind: 'retry', reason: 'timeout', error: `${error.message}${hint}` }, timedOut: true };
    }
    return { result: retryOfNetworkFailure(error), timedOut: false };
  }
}

const HEADER_NAME = new RegExp(HEADER_NAME_PATTERN);
/** A header value Node and undici send: tab, printable ASCII and Latin-1, no line break or other control character. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Connection-level headers the HTTP client writes itself (a value set here would contradict the request sent) or refuses. */
const CLIENT_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect']);

/** Why HTTP cannot send this header (a name or value it does not allow, a connection header), if it cannot. */
function unsendable(name: string, value: unknown): string | undefined {
  if (!HEADER_NAME.test(name)) return `header ${JSON.stringify(name)} is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces or colons).`;
  if (CLIENT_HEADERS.has(name.toLowerCase())) return `header ${JSON.stringify(name)} is a connection header that Sluice's HTTP client sets itself or does not send; remove it.`;
  if (typeof value === 'string' && !HEADER_VALUE.test(value)) return `the value of header ${JSON.stringify(name)} holds a line break or another character HTTP does not allow in a header (only tabs, printable ASCII and Latin-1); remove it.`;
  return undefined;
}

/**
 * Custom headers no request can carry: a config saved before headers were checked (or written to the store by
 * hand) would fail every delivery in the HTTP client, retried as a network error until the retry window ends.
 */
export function unsendableHeaders(headers: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(headers ?? {}).flatMap(([name, value]) => unsendable(name, value) ?? []);
}

/**
 * Problems with the custom headers, found when the destination is saved: what HTTP cannot send (see
 * {@link unsendableHeaders}), a header given twice in another case, and one named like Sluice's signature. Values
 * are secrets: a problem names the header, never its value.
 */
export function headerProblems(headers: Readonly<Record<string, string>> | undefined): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    seen.set(lower, name);
    const problem = earlier !== undefined
      ? `headers ${JSON.stringify(earlier)} and ${JSON.stringify(name)} are the same header (names are case-insensitive); keep one.`
      : SIGNATURE_HEADERS.has(lower)
        ? `header ${JSON.stringify(name)} is the signature Sluice computes from signingSecret; remove it (set signingSecret instead).`
        : unsendable(name, value);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
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
  validateConfig: (config) => [
    ...headerProblems(config.headers),
    // Without batching every event is a request of its own: a batchSize alone would change nothing, silently.
    ...(config.batchSize !== undefined && config.batching !== true
      ? [`batchSize takes effect only with "batching": true (events POSTed together as {"batch":[...]}); add "batching": true, or remove batchSize to send one event per request.`]
      : []),
  ],

  async deliver(items, config, context) {
    // A config saved before its headers were checked (or written to the store by hand) cannot be sent: every
    // request would fail in the HTTP client and retry as a network error until the retry window ends.
    const cannotSend = unsendableHeaders(config.headers);
    if (cannotSend.length > 0) {
      const error = `the destination's custom headers cannot be sent: ${cannotSend.join(' ')} Fix them in the destination's settings, then retry the failed deliveries.`;
      return { kind: 'abort', reason: 'invalid_headers', error };
    }
    if (config.batching) {
      return deliverInBatches(items, config.url, {
        sizeOf: (item) => Buffer.byteLength(jsonOf(item)) + 1,
        send: (part) => send(request(config, batchBody(part)), config, context, part.length),
      });
    }
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
    let pause: DestinationPause | undefined;
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        let blocked: string | undefined;
        for (const i of queue) {
          if (blocked !== undefined) {
            results[i] = { kind: 'retry', reason: HELD_REASONS.user, error: `waiting for an earlier event of the same user: ${blocked}` };
            continue;
          }
          if (pause !== undefined) {
            results[i] = heldByPause(pause);
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
    return perItemOutcome(results, pause);
  },

  async deleteSubject(subject, config, context) {
    const cannotSend = unsendableHeaders(config.headers);
    if (cannotSend.length > 0) return { kind: 'failed', error: `the destination's custom headers cannot be sent: ${cannotSend.join(' ')} Fix them in the destination's settings.` };
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
    const signed = { [SIGNATURE_HEADER]: 'sha256=<signature>', [TIMESTAMPED_SIGNATURE_HEADER]: 't=<unix seconds>,sha256=<signature of t.body>' };
    return { requests: requests.map((r) => (config.signingSecret ? { ...r, headers: { ...r.headers, ...signed } } : r)), warnings: [] };
  },
};
