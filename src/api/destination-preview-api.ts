import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ConsentState } from '../core/consent/resolve-consent.js';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import { maskQueryValues, openDestination, urlSecretStrings } from '../destinations/destination-secrets.js';
import type { DeliveryItem, OutboundRequest } from '../destinations/destination.js';
import { destinationType } from '../destinations/registry.js';
import { piiHasher, type PrivacyDeps } from '../processor/build-processor.js';
import type { DestinationDecider } from '../processor/fan-out/decision.js';
import { FanOut } from '../processor/fan-out/fan-out.js';
import { FilterDecider } from '../processor/fan-out/filter-decider.js';
import { IntegrationsDecider } from '../processor/fan-out/integrations-decider.js';
import { PrivacyDecider } from '../processor/fan-out/privacy-decider.js';
import type { ProcessingItem } from '../processor/stage.js';
import type { JsonObject, SegmentEvent } from '../protocol/segment-event.js';
import type { Store } from '../store/store.js';
import { destinationOf } from './destination-of.js';
import { principalOf } from './principal.js';
import { GivenEvent, normalizeGivenEvent } from './given-event.js';
import { IdParams } from './schemas.js';

/** Most events one preview takes. */
const MAX_PREVIEW_EVENTS = 100;
const MASK = '****';
/** Headers whose value is a credential whatever the type says (e.g. Basic auth carries a key in base64). */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/** The event previewed when the request names none: a Segment spec e-commerce track call. */
export function sampleEvent(now = new Date()): JsonObject {
  return {
    type: 'track',
    event: 'Order Completed',
    userId: 'user-12345',
    anonymousId: 'anon-12345-abcde',
    messageId: 'preview-sample-1',
    timestamp: now.toISOString(),
    properties: { order_id: 'order-1001', total: 99.5, currency: 'EUR', products: [{ product_id: 'sku-1', name: 'Mug', price: 49.75, quantity: 2 }] },
    context: { library: { name: 'analytics.js', version: '2.0.0' }, page: { path: '/checkout', url: 'https://www.example.com/checkout' }, locale: 'en-GB' },
  };
}

function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(MASK);
  return out;
}

/**
 * A last pass over what a type's preview returned: every secret field's value (and its base64 form, as in
 * Basic auth) masked in the URL, headers and body, and credential headers masked whatever their form
 * (`Basic ****`), so no preview can leak a key even if a type forgot one.
 */
function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (value !== null && typeof value === 'object') return Object.values(value).filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

export function redactRequest(
  request: OutboundRequest,
  secretValues: readonly string[],
  urlQueryValues: ReadonlySet<string> = new Set(),
): { method: string; url: string; headers: Record<string, string>; body?: string } {
  const secrets = secretValues.flatMap((s) => [s, Buffer.from(s).toString('base64'), Buffer.from(`${s}:`).toString('base64'), encodeURIComponent(s)]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (CREDENTIAL_HEADER.test(name)) {
      const scheme = /^([A-Za-z0-9-]+) /.exec(value)?.[1];
      headers[name] = scheme ? `${scheme} ${MASK}` : MASK;
    } else {
      headers[name] = maskText(value, secrets);
    }
  }
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? maskText(request.body, secrets) : `[${request.body.byteLength} bytes of binary data]`;
  // A URL field's query values are masked by position whatever their length (as the API shows the URL), the
  // rest as text, like headers and body.
  const url = maskText(maskQueryValues(request.url, urlQueryValues, MASK), secrets);
  return { method: request.method, url, headers, ...(body !== undefined && { body }) };
}


/**
 * `POST /destinations/:id/preview`: the exact requests the destination would send for an event (or the
 * sample event), without sending them: the event goes through the same per-destination decisions as live
 * traffic (integrations object, PII actions, destination filters), then the type's mapping; secrets masked.
 */
export const destinationPreviewApi: FastifyPluginAsyncTypebox<{ store: Store; keys: Keys; privacy?: PrivacyDeps }> = async (app, { store, keys, privacy }) => {
  const deciders: DestinationDecider[] = [
    new IntegrationsDecider(),
    ...(privacy ? [new PrivacyDecider(privacy.services, piiHasher(privacy.keys), store)] : []),
    new FilterDecider(),
  ];
  const fanOut = new FanOut(deciders);

  app.post('/destinations/:id/preview', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'The exact requests this destination would send for an event (or a sample event), secrets masked, without sending them',
      description: 'Consent and Art. 18 restriction depend on the subject and are not evaluated: the preview assumes the subject granted every category. The integrations object, the PII policy and the destination filters apply as in live traffic.',
      params: IdParams,
      body: Type.Optional(Type.Object({
        event: Type.Optional(GivenEvent),
        events: Type.Optional(Type.Array(GivenEvent, { minItems: 1, maxItems: MAX_PREVIEW_EVENTS })),
        sourceId: Type.Optional(Type.String({ minLength: 1, description: 'The source the events come from (default: the first the destination receives from)' })),
      }, { additionalProperties: false })),
      response: {
        200: Type.Object({
          events: Type.Array(Type.Object({
            messageId: Type.String(),
            outcome: Type.Union([Type.Literal('sent'), Type.Literal('dropped'), Type.Literal('failed')], { description: 'sent; dropped (withheld by a decision, with the reason); failed (the type cannot send it, e.g. an alias call to a tool with no alias API: delivery logs it failed with the reason)' }),
            reason: Type.Optional(Type.String()),
            message: Type.Optional(Type.String()),
          })),
          requests: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), headers: Type.Record(Type.String(), Type.String()), body: Type.Optional(Type.String()) })),
          warnings: Type.Array(Type.String()),
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const stored = await destinationOf(store, workspaceId, request.params.id);
    const type = destinationType(stored.type);
    if (!type) throw new SluiceError('conflict', `Destination type "${stored.type}" is not in this build of Sluice.`);
    const body = request.body ?? {};
    if (body.event !== undefined && body.events !== undefined) throw new SluiceError('validation_failed', 'Send either "event" or "events", not both.');
    const now = new Date().toISOString();
    const raws = body.events ?? [body.event ?? sampleEvent()];
    const events = raws.map((raw, i) => normalizeGivenEvent(raw, i, now));
    const sourceId = body.sourceId ?? stored.sourceIds?.[0] ?? (await store.sources.list(workspaceId))[0]?.id ?? 'preview';

    const warnings: string[] = [];
    let consent: ConsentState | undefined;
    if (privacy) {
      const { categories } = await privacy.services.config.get(workspaceId);
      consent = { model: 'opt-out', gpc: false, categories: Object.fromEntries(categories.map((c) => [c.id, { granted: true, rule: 'event' as const }])) };
      if ((stored.consentCategories ?? []).length > 0) {
        warnings.push(`This destination needs consent to ${stored.consentCategories!.join(', ')}: the preview assumes it was granted; at delivery each subject's consent decides.`);
      }
    }
    const pairs = events.map((event, i) => {
      const item: ProcessingItem = {
        message: { seq: i, workspaceId, sourceId, event },
        workspaceId,
        sourceId,
        event,
        ...(consent ? { consent } : {}),
      };
      return { item, destination: stored };
    });
    const decided = await fanOut.decide(pairs);
    const dropped = new Map(decided.dropped.map((d) => [d.candidate.item.event.messageId, d]));
    const sent: DeliveryItem[] = decided.jobs.map((job) => ({ messageId: job.messageId, sourceId: job.sourceId, event: JSON.parse(job.json) as SegmentEvent }));

    const config = openDestination(stored, keys).config;
    let requests: OutboundRequest[] = [];
    const refused = new Map<string, { reason: string; error: string }>();
    if (sent.length > 0) {
      if (!type.preview) {
        warnings.push(`${type.displayName} destinations do not send HTTP requests, so there is nothing to preview; the events shown as "sent" would be loaded.`);
      } else {
        const preview = await type.preview(sent, config);
        requests = preview.requests;
        warnings.push(...preview.warnings);
        for (const r of preview.refused ?? []) refused.set(r.messageId, { reason: r.reason, error: r.error });
      }
    }
    // A secret field is a string, or an object of strings (a webhook's custom headers): mask every value; and
    // the credentials and query values of URL fields (of 4 characters or more, like every secret here).
    const urlQueryValues = new Set((type.urlFields ?? []).flatMap((f) => (typeof config[f] === 'string' ? urlSecretStrings(config[f]) : [])));
    const secretValues = [...type.secretFields.flatMap((f) => secretStrings(config[f])), ...urlQueryValues];
    return {
      events: events.map((e) => {
        const drop = dropped.get(e.messageId);
        if (drop) return { messageId: e.messageId, outcome: 'dropped' as const, reason: drop.reason, ...(drop.message !== undefined && { message: drop.message }) };
        const refusal = refused.get(e.messageId);
        if (refusal) return { messageId: e.messageId, outcome: 'failed' as const, reason: refusal.reason, message: refusal.error };
        return { messageId: e.messageId, outcome: 'sent' as const };
      }),
      requests: requests.map((r) => redactRequest(r, secretValues, urlQueryValues)),
      warnings,
    };
  });
};
