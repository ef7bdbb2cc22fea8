import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import { toSluiceError } from '../http/error-handler.js';
import type { CounterBuffer } from '../observability/counter-buffer.js';
import type { Metrics } from '../observability/metrics.js';
import { SHORT_PATHS, type EventType } from '../protocol/segment-event.js';
import { validateRequest } from '../core/tracking/normalize.js';
import { rejectionExampleOf, rejectionMessageOf } from '../core/tracking/rejection-example.js';
import { newRequestId, type StoredRequest } from '../core/tracking/stored-request.js';
import type { InboxRequestRecord, Queue, RequestSignals } from '../queue/queue.js';
import type { Backpressure } from './backpressure.js';
import { installTrackingBodyParsing, rawBodyOf } from './body-parsing.js';
import { explainInStatusLine } from './status-line.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SourceResolver } from './source-resolver.js';
import { extractWriteKey, readWriteKey } from '../core/tracking/write-key.js';

export interface TrackingDeps {
  queue: Queue;
  sources: SourceResolver;
  backpressure: Backpressure;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  /** Per-minute source counters (received, rejected by code); absent in tests of the bare routes. */
  counters?: CounterBuffer;
  /** Header carrying the visitor's country, set by the deployment's proxy (e.g. cf-ipcountry). */
  countryHeader: string | undefined;
}

const LONG_PATHS: Record<string, EventType | 'batch'> = {
  identify: 'identify',
  track: 'track',
  page: 'page',
  screen: 'screen',
  group: 'group',
  alias: 'alias',
  batch: 'batch',
  import: 'batch',
};

function signalsOf(request: FastifyRequest, countryHeader: string | undefined): RequestSignals | undefined {
  const signals: RequestSignals = {};
  if (request.headers['sec-gpc'] === '1') signals.gpc = true;
  if (request.headers.dnt === '1') signals.dnt = true;
  if (countryHeader) {
    const country = request.headers[countryHeader];
    if (typeof country === 'string' && /^[A-Za-z]{2}$/.test(country)) signals.country = country.toUpperCase();
  }
  return signals.gpc || signals.dnt || signals.country ? signals : undefined;
}

/** Events in a refused request's body: a batch's length, 1 for a single event or an unreadable body. */
function eventsIn(body: unknown): number {
  if (typeof body === 'object' && body !== null && Array.isArray((body as { batch?: unknown }).batch)) {
    return Math.max(1, (body as { batch: unknown[] }).batch.length);
  }
  return 1;
}

/**
 * The Segment-compatible Tracking API: `/v1/{identify,track,page,screen,group,alias,batch,import}` and the
 * browser library's short paths. Answers 200 only after the events are durably queued.
 */
export async function trackingRoutes(app: FastifyInstance, deps: TrackingDeps): Promise<void> {
  installTrackingBodyParsing(app);
  // Not part of the admin API's OpenAPI document (that one is Bearer-authenticated JSON under /api/v1).
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });

  // The source a request resolved to, for counting its refusal (onError runs after the handler threw).
  const sourceOf = new WeakMap<FastifyRequest, Source>();
  // Requests whose rejection the handler kept already, with an example of what was sent.
  const rejectionKept = new WeakSet<FastifyRequest>();
  const counters = deps.counters;
  /** Keeps a rejection as the source's latest for its code (the source's "Rejected events"). */
  const keepRejection = (source: Source, code: string, message: string, sent?: unknown) =>
    counters?.keepRejection({ workspaceId: source.workspaceId, sourceId: source.id, code, message: rejectionMessageOf(message), at: Date.now(), ...(sent !== undefined && { example: rejectionExampleOf(sent) }) });
  // Every refusal says why in its status line too: analytics-node shows only that line (decision 0011).
  app.addHook('onError', async (_request, reply, error) => {
    const { status, code, message } = toSluiceError(error);
    explainInStatusLine(reply, status, code, message);
  });
  if (counters) {
    // Every refusal: thrown by the handler (writeKey, disabled source, rate limit, backlog) or by body
    // parsing (too large, invalid JSON), which happens before the handler resolved the source.
    app.addHook('onError', async (request, _reply, error) => {
      const { code, message } = toSluiceError(error);
      let source = sourceOf.get(request);
      if (!source) {
        // Body parsing failed before the handler ran: a Basic-auth writeKey still names the source (the
        // resolver's cache answers; an unknown or missing key stays installation-wide).
        const key = extractWriteKey(request.headers.authorization, undefined);
        if (key !== undefined) {
          await deps.sources.resolve(key, (found) => {
            source = found;
          }).catch(() => undefined);
        }
      }
      counters.add(source?.workspaceId ?? '', source?.id ?? '', 'rejected', code, eventsIn(request.body));
      if (source && !rejectionKept.has(request)) keepRejection(source, code, message);
    });
  }

  /** validateRequest, keeping a refused request's rejection with the shape of what was sent. */
  const validateOrKeep = (request: FastifyRequest, source: Source, body: unknown, type: EventType | 'batch') => {
    try {
      return validateRequest(body, type);
    } catch (error) {
      if (error instanceof SluiceError) {
        keepRejection(source, error.code, error.message, body);
        rejectionKept.add(request);
      }
      throw error;
    }
  };

  const handle = async (type: EventType | 'batch', request: FastifyRequest, reply: FastifyReply) => {
    try {
      const body = request.body;
      const key = readWriteKey(request.headers.authorization, body);
      if (key.writeKey === undefined) throw new SluiceError('missing_write_key', key.problem);
      const source = await deps.sources.resolve(key.writeKey, counters && ((found) => sourceOf.set(request, found)));
      deps.rateLimiter.check(source.id);
      deps.backpressure.check();
      // Validated here, stored as received, normalized by the processor (decision 0004).
      const { accepted, rejected } = validateOrKeep(request, source, body, type);
      if (accepted > 0) {
        const stored: StoredRequest = {
          endpoint: type,
          body: rawBodyOf(request) ?? JSON.stringify(body),
          receivedAt: Date.now(),
          requestId: newRequestId(),
          events: accepted,
        };
        if (request.ip) stored.ip = request.ip;
        if (rejected.length > 0) stored.skip = rejected.map((r) => r.index);
        const record: InboxRequestRecord = { kind: 'request', workspaceId: source.workspaceId, sourceId: source.id, request: stored };
        const signals = signalsOf(request, deps.countryHeader);
        if (signals) record.signals = signals;
        await deps.queue.publishInbox([record]);
        deps.metrics.eventsReceived.inc({ source_id: source.id }, accepted);
      }
      for (const r of rejected) deps.metrics.eventsRejected.inc({ code: r.code });
      if (counters) {
        counters.add(source.workspaceId, source.id, 'received', '', accepted);
        if (rejected.length > 0) {
          for (const r of rejected) counters.add(source.workspaceId, source.id, 'rejected', r.code);
          // The last rejected event of each code in the batch is the one kept.
          const lastOfCode = new Map(rejected.map((r) => [r.code, r]));
          for (const r of lastOfCode.values()) keepRejection(source, r.code, r.message, (body as { batch: unknown[] }).batch[r.index]);
        }
      }
      if (rejected.length > 0) {
        const first = rejected[0]!;
        const message = `${rejected.length} of ${rejected.length + accepted} events were rejected and ${accepted} accepted. First problem, event ${first.index}: ${first.message}`;
        explainInStatusLine(reply, 400, first.code, message);
        return reply.code(400).send({ error: { code: first.code, message, accepted, rejected } });
      }
      return reply.send({ success: true });
    } catch (error) {
      if (error instanceof SluiceError) {
        deps.metrics.requestsRejected.inc({ code: error.code });
        if (error.code === 'backlog_full' || error.code === 'too_many_requests') {
          reply.header('Retry-After', String(error.details?.retryAfterSeconds ?? 5));
        }
      }
      throw error;
    }
  };

  for (const [path, type] of Object.entries(LONG_PATHS)) {
    app.post(`/v1/${path}`, (request, reply) => handle(type, request, reply));
  }
  for (const [path, type] of Object.entries(SHORT_PATHS)) {
    app.post(`/v1/${path}`, (request, reply) => handle(type, request, reply));
  }
  // Client telemetry from analytics.js: accepted and discarded.
  app.post('/v1/m', async (_request, reply) => reply.send({ success: true }));
}
