import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { AuditLog } from '../accounts/audit-log.js';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import type { DeliveryOutcome, DeliveryResult, DestinationHttp } from '../destinations/destination.js';
import { openDestination } from '../destinations/destination-secrets.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import { destinationType } from '../destinations/registry.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { destinationOf } from './destination-of.js';
import { normalizeGivenEvent } from './given-event.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

export interface DestinationTestApiDeps {
  store: Store;
  keys: Keys;
  allowPrivate: readonly string[];
  /** Defaults to the SSRF-guarded client with SLUICE_ALLOW_PRIVATE_DESTINATIONS. */
  http?: DestinationHttp;
}

/** How long a test send may take before it counts as a failure. */
const TEST_TIMEOUT_MS = 15_000;

/** The sample event a test send delivers: a track named "Sluice Test Event", marked as a test. */
export function testEvent(now: Date): SegmentEvent {
  const at = now.toISOString();
  return {
    type: 'track',
    event: 'Sluice Test Event',
    messageId: `sluice-test-${randomUUID()}`,
    userId: 'sluice-test-user',
    anonymousId: null,
    properties: { test: true, sentFrom: 'Sluice console' },
    context: { library: { name: 'sluice', version: 'test' } },
    integrations: {},
    originalTimestamp: at,
    timestamp: at,
    receivedAt: at,
    version: 2,
  };
}

/**
 * The event of an optional `{"event": {...}}` body (no schema on the route: a POST without a body, as the
 * console sends, takes the sample event).
 */
function givenEvent(body: unknown): Record<string, unknown> | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw new SluiceError('validation_failed', 'The body must be a JSON object: {"event": {...}}, or nothing for the sample event.');
  const { event, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new SluiceError('validation_failed', `Unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}: the body takes only "event".`);
  if (event === undefined) return undefined;
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new SluiceError('validation_failed', '"event" must be a JSON object: a Segment event such as {"type": "identify", "userId": "u1", "traits": {"email": "ada@example.com"}}.');
  return event as Record<string, unknown>;
}

function single(outcome: DeliveryOutcome): DeliveryResult {
  return outcome.kind === 'per_item' ? (outcome.results[0] ?? { kind: 'abort', reason: 'no_result', error: 'The destination answered no result for the test event.' }) : outcome;
}

/**
 * Test send: delivers one sample event to a destination now, outside the delivery queue (no delivery record,
 * no retry), and answers what the destination said. A failure is an expected outcome (`ok: false`), not an error.
 */
export const destinationTestApi: FastifyPluginAsyncTypebox<DestinationTestApiDeps> = async (app, { store, keys, allowPrivate, http: given }) => {
  const audit = new AuditLog(store.audit);
  let owned: ReturnType<typeof createDestinationHttp> | undefined;
  const http = (): DestinationHttp => given ?? (owned ??= createDestinationHttp({ allowPrivate }));
  app.addHook('onClose', async () => {
    await owned?.close();
  });

  app.post('/destinations/:id/test', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Send one sample track event ("Sluice Test Event"), or the event given, to the destination now and answer what it said',
      description: 'Without a body the sample track event is sent. A type that cannot take it (HubSpot needs an email and a defined event; Intercom a known contact) answers abort without sending anything: give an event it takes, e.g. an identify with traits.email, to check the connection. Body (optional): {"event": {...}}, a Segment event; messageId and timestamps are filled in when absent.',
      params: IdParams,
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          outcome: Type.Union([Type.Literal('ok'), Type.Literal('retry'), Type.Literal('abort')]),
          reason: Type.Optional(Type.String()),
          error: Type.Optional(Type.String()),
          messageId: Type.String(),
          durationMs: Type.Integer(),
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const stored = await destinationOf(store, workspaceId, request.params.id);
    const type = destinationType(stored.type);
    if (!type) throw new SluiceError('validation_failed', `The destination's type "${stored.type}" is no longer known to this Sluice.`);
    const destination = openDestination(stored, keys);
    const now = new Date();
    const given = givenEvent(request.body);
    const event = given === undefined
      ? testEvent(now)
      : normalizeGivenEvent({ ...given, messageId: typeof given.messageId === 'string' && given.messageId !== '' ? given.messageId : `sluice-test-${randomUUID()}` }, 0, now.toISOString(), 'event');
    const started = Date.now();
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    let result: DeliveryResult;
    try {
      result = single(await type.deliver([{ messageId: event.messageId, event }], destination.config, { http: http(), logger: request.log as unknown as Logger, signal }));
    } catch (error) {
      // A network failure (refused address, timeout, connection reset) is what the user wants to see here.
      result = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    const durationMs = Date.now() - started;
    await audit.record({ ...auditContext(request), action: 'destination.test', resourceType: 'destination', resourceId: stored.id, resourceName: stored.name, after: { outcome: result.kind } });
    return {
      ok: result.kind === 'ok',
      outcome: result.kind,
      ...(result.kind === 'abort' && { reason: result.reason }),
      ...(result.kind !== 'ok' && { error: result.error }),
      messageId: event.messageId,
      durationMs,
    };
  });
};
