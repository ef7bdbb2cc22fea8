import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject, SegmentEvent } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryResult, DestinationType } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { basicAuth, deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping } from '../http/http-mapping.js';
import { emailOf, epochMs, eventNameOf, pagePropertiesOf, propertiesOf, traitsOf } from '../segment-fields.js';
import { stableUlid } from '../stable-ulid.js';

export const CustomerIoConfigSchema = Type.Object(
  {
    siteId: Type.String({ minLength: 1 }),
    apiKey: Type.String({ minLength: 1, description: 'Tracking API key.' }),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://track.customer.io (default) or https://track-eu.customer.io.' })),
  },
  { additionalProperties: false },
);
export type CustomerIoConfig = Static<typeof CustomerIoConfigSchema>;

/** Documented Track API limits for identify calls. */
const MAX_ATTRIBUTES = 300;
const MAX_ATTRIBUTE_NAME_BYTES = 150;
const MAX_ATTRIBUTE_VALUE_BYTES = 1000;

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Keeps identify attributes within Customer.io's documented limits; returns what it had to leave out. */
export function limitAttributes(attributes: JsonObject): { kept: JsonObject; warnings: string[] } {
  const kept: JsonObject = {};
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const serialized = typeof value === 'string' ? value : JSON.stringify(value);
    if (Buffer.byteLength(name) > MAX_ATTRIBUTE_NAME_BYTES) warnings.push(`attribute "${name.slice(0, 30)}..." has a name over 150 bytes and was left out`);
    else if (Buffer.byteLength(serialized) > MAX_ATTRIBUTE_VALUE_BYTES) warnings.push(`attribute "${name}" is over 1000 bytes and was left out`);
    else if (Object.keys(kept).length >= MAX_ATTRIBUTES) warnings.push(`attribute "${name}" is past the 300-attribute limit and was left out`);
    else kept[name] = value;
  }
  return { kept, warnings };
}

/**
 * The event `name`: the track name; for a page view the page's URL (Customer.io segments page views by URL),
 * for a screen view the screen's name, as the Track API asks; `Viewed Page` / `Viewed Screen` without either.
 */
function customerIoEventName(e: SegmentEvent, data: JsonObject): string {
  if (e.type === 'page' && typeof data.url === 'string' && data.url !== '') return data.url;
  if (e.type === 'screen' && e.name) return e.name;
  return eventNameOf(e);
}

export const customerIoMapping: HttpMapping<CustomerIoConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const base = joinUrl(config.baseUrl ?? 'https://track.customer.io', '/api/v1');
    const headers = { 'content-type': 'application/json', authorization: basicAuth(config.siteId, config.apiKey) };
    items.forEach((it, index) => {
      const e = it.event;
      const person = e.userId ? encodeURIComponent(e.userId) : undefined;
      if (e.type === 'identify') {
        if (!person) {
          plan.refused.set(index, { reason: 'missing_user_id', error: 'Customer.io identifies people by id: an identify without userId is not sent.' });
          return;
        }
        const { kept, warnings } = limitAttributes(traitsOf(e));
        plan.warnings.push(...warnings);
        const email = emailOf(e);
        // anonymous_id: Customer.io then files the person's earlier anonymous events (sent with it) under them.
        const body: JsonObject = { ...kept, ...(email ? { email } : {}), ...(e.anonymousId ? { anonymous_id: e.anonymousId } : {}), _timestamp: seconds(epochMs(e)) };
        if (typeof kept.createdAt === 'string' && !Number.isNaN(Date.parse(kept.createdAt))) body.created_at = seconds(Date.parse(kept.createdAt));
        plan.requests.push({ request: { method: 'PUT', url: `${base}/customers/${person}`, headers, body: JSON.stringify(body) }, itemIndexes: [index] });
        return;
      }
      if (e.type === 'alias' || e.type === 'group') {
        plan.refused.set(index, { reason: `unsupported:${e.type}`, error: `The Customer.io Track API has no ${e.type} call; ${e.type} events are not sent.` });
        return;
      }
      const isPage = e.type === 'page' || e.type === 'screen';
      const data = isPage ? pagePropertiesOf(e) : propertiesOf(e);
      const event: JsonObject = { name: customerIoEventName(e, data), data, timestamp: seconds(epochMs(e)), id: stableUlid(it.messageId, epochMs(e)) };
      if (isPage) event.type = e.type === 'page' ? 'page' : 'screen';
      if (person) {
        plan.requests.push({ request: { method: 'POST', url: `${base}/customers/${person}/events`, headers, body: JSON.stringify(event) }, itemIndexes: [index] });
      } else {
        plan.requests.push({ request: { method: 'POST', url: `${base}/events`, headers, body: JSON.stringify({ ...event, anonymous_id: e.anonymousId ?? '' }) }, itemIndexes: [index] });
      }
    });
    return plan;
  },
  interpret(response): DeliveryResult {
    if (response.status === 400) {
      // The Track API documents {"meta":{"errors":["..."]}}; some answers carry {"meta":{"error":"..."}}.
      let message = response.body;
      try {
        const meta = (JSON.parse(response.body) as { meta?: { error?: unknown; errors?: unknown } }).meta;
        const errors = Array.isArray(meta?.errors) ? meta.errors.filter((m): m is string => typeof m === 'string') : [];
        if (errors.length > 0) message = errors.join('; ');
        else if (typeof meta?.error === 'string') message = meta.error;
      } catch {
        // plain text
      }
      return { kind: 'abort', reason: 'invalid_event', error: `Customer.io 400: ${message.slice(0, 200)}` };
    }
    return classifyHttpStatus(response.status, response.headers, response.body);
  },
  secrets: (config) => [config.apiKey, basicAuth(config.siteId, config.apiKey).slice(6)],
};

/** Customer.io (Journeys Track API): people by id, events, anonymous events; deletion removes the person. */
export const customerio: DestinationType<CustomerIoConfig> = {
  type: 'customerio',
  displayName: 'Customer.io',
  configSchema: CustomerIoConfigSchema,
  secretFields: ['apiKey'],
  urlFields: ['baseUrl'],
  maxBatchSize: 50,
  deliver: (items, config, context) => deliverHttp(customerIoMapping, items, config, context),
  preview: async (items, config) => previewHttp(customerIoMapping, items, config),
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (subject.userIds.length === 0) return { kind: 'not_supported', reason: 'Customer.io stores people by id; this subject has no userId there (anonymous events expire with Customer.io’s own retention).' };
    const base = joinUrl(config.baseUrl ?? 'https://track.customer.io', '/api/v1');
    let deleted = 0;
    for (const userId of subject.userIds) {
      const response = await context.http.send({ method: 'DELETE', url: `${base}/customers/${encodeURIComponent(userId)}`, headers: { authorization: basicAuth(config.siteId, config.apiKey) } });
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
      deleted++;
    }
    return { kind: 'deleted', count: deleted, detail: `${deleted} person(s) deleted` };
  },
};
