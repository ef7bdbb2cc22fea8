import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject, JsonValue } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryResult, DestinationType } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { chunks, deliverHttp, textBody, emptyPlan, joinUrl, previewHttp, type HttpMapping, type PlannedRequest } from '../http/http-mapping.js';
import { resendWithoutMissingProperties } from './missing-properties.js';
import { emailOf, propertiesOf, traitsOf } from '../segment-fields.js';

export const HubSpotConfigSchema = Type.Object(
  {
    accessToken: Type.String({ minLength: 1, description: 'Private app access token (scopes: crm.objects.contacts.write, analytics.behavioral_events.send).' }),
    eventNamePrefix: Type.Optional(Type.String({ pattern: '^pe[0-9]+_$', description: 'Prefix of your custom behavioral event internal names (pe<portalId>_): track "Order Completed" becomes pe123_order_completed. Without it, track events are not sent.' })),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://api.hubapi.com (default).' })),
  },
  { additionalProperties: false },
);
export type HubSpotConfig = Static<typeof HubSpotConfigSchema>;

const CONTACTS_PER_REQUEST = 100;
const EVENTS_PER_REQUEST = 500;

/** Segment traits -> HubSpot's default contact property names. */
const CONTACT_PROPERTIES: Record<string, string> = {
  firstName: 'firstname', lastName: 'lastname', email: 'email', phone: 'phone', company: 'company', website: 'website',
  title: 'jobtitle', city: 'city', state: 'state', postalCode: 'zip', country: 'country', street: 'address',
};

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
}

/** HubSpot property values are strings, numbers or booleans; nested values become JSON text. */
function propertyValue(value: JsonValue): string | number | boolean {
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

export function contactProperties(traits: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(traits)) {
    if (key === 'address' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [part, inner] of Object.entries(value)) {
        const name = CONTACT_PROPERTIES[part];
        if (name) out[name] = propertyValue(inner);
      }
      continue;
    }
    out[CONTACT_PROPERTIES[key] ?? snake(key)] = propertyValue(value);
  }
  return out;
}

/**
 * Contacts in upsert requests of at most 100, none naming the same email twice: HubSpot refuses a whole batch
 * whose inputs resolve to one contact (emails are case-insensitive). A later identify of the same person goes
 * in a later request, sent after the first, so its traits win as they would one call at a time.
 */
function upsertChunks<T extends { input: JsonObject }>(contacts: readonly T[]): T[][] {
  const out: { items: T[]; emails: Set<string> }[] = [];
  for (const contact of contacts) {
    const email = String(contact.input.id).toLowerCase();
    // The first request with room that does not hold this email yet and comes after every request holding it.
    let after = -1;
    out.forEach((chunk, i) => {
      if (chunk.emails.has(email)) after = i;
    });
    let target = out.find((chunk, i) => i > after && chunk.items.length < CONTACTS_PER_REQUEST);
    if (!target) {
      target = { items: [], emails: new Set() };
      out.push(target);
    }
    target.items.push(contact);
    target.emails.add(email);
  }
  return out.map((chunk) => chunk.items);
}

export const hubSpotMapping: HttpMapping<HubSpotConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const base = config.baseUrl ?? 'https://api.hubapi.com';
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.accessToken}` };
    const contacts: { index: number; input: JsonObject }[] = [];
    const events: { index: number; input: JsonObject }[] = [];
    items.forEach((it, index) => {
      const e = it.event;
      const email = emailOf(e);
      if (e.type === 'identify') {
        if (!email) return plan.refused.set(index, { reason: 'missing_email', error: 'HubSpot upserts contacts by email: this identify has no traits.email.' });
        contacts.push({ index, input: { id: email, idProperty: 'email', properties: contactProperties(traitsOf(e)) } });
      } else if (e.type === 'track') {
        if (!config.eventNamePrefix) return plan.refused.set(index, { reason: 'unmapped_event', error: 'Set eventNamePrefix (pe<portalId>_) and define the event in HubSpot to send track events.' });
        if (!email) return plan.refused.set(index, { reason: 'missing_email', error: 'HubSpot behavioral events need the contact email (context.traits.email).' });
        const properties: JsonObject = {};
        for (const [k, v] of Object.entries(propertiesOf(e))) properties[snake(k)] = propertyValue(v);
        events.push({ index, input: { eventName: `${config.eventNamePrefix}${snake(e.event ?? '')}`, email, occurredAt: e.timestamp, properties } });
      } else {
        plan.refused.set(index, { reason: `unsupported:${e.type}`, error: `HubSpot records ${e.type} calls through its own tracking code; they are not sent.` });
      }
      return undefined;
    });
    for (const chunk of upsertChunks(contacts)) {
      plan.requests.push({
        request: { method: 'POST', url: joinUrl(base, '/crm/v3/objects/contacts/batch/upsert'), headers, body: JSON.stringify({ inputs: chunk.map((c) => c.input) }) },
        itemIndexes: chunk.map((c) => c.index),
      });
    }
    for (const chunk of chunks(events, EVENTS_PER_REQUEST)) {
      plan.requests.push({
        request: { method: 'POST', url: joinUrl(base, '/events/v3/send/batch'), headers, body: JSON.stringify({ inputs: chunk.items.map((c) => c.input) }) },
        itemIndexes: chunk.items.map((c) => c.index),
      });
    }
    return plan;
  },
  interpret(response, planned: PlannedRequest): DeliveryResult | DeliveryResult[] {
    if (response.status === 207) {
      // Multi-status: errors name the inputs they refer to in context.ids (the emails of an upsert).
      const body = JSON.parse(response.body) as { errors?: { message?: string; context?: { ids?: string[] } }[] };
      const failedIds = new Map<string, string>();
      for (const error of body.errors ?? []) for (const id of error.context?.ids ?? []) failedIds.set(id.toLowerCase(), error.message ?? 'refused');
      const inputs = (JSON.parse(textBody(planned.request) || '{}') as { inputs: { id?: string; email?: string }[] }).inputs;
      return inputs.map((input) => {
        const message = failedIds.get(String(input.id ?? input.email ?? '').toLowerCase());
        return message === undefined ? { kind: 'ok' } : { kind: 'abort', reason: 'invalid_event', error: `HubSpot refused it: ${message}` };
      });
    }
    return classifyHttpStatus(response.status, response.headers, response.body);
  },
  resend: resendWithoutMissingProperties,
  secrets: (config) => [config.accessToken],
};

/** HubSpot: contacts upserted by email in batches, custom behavioral events, GDPR deletion of contacts. */
export const hubspot: DestinationType<HubSpotConfig> = {
  type: 'hubspot',
  displayName: 'HubSpot',
  configSchema: HubSpotConfigSchema,
  secretFields: ['accessToken'],
  urlFields: ['baseUrl'],
  maxBatchSize: 500,
  deliver: (items, config, context) => deliverHttp(hubSpotMapping, items, config, context),
  preview: async (items, config) => previewHttp(hubSpotMapping, items, config),
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (subject.emails.length === 0) return { kind: 'not_supported', reason: 'HubSpot identifies contacts by email and this subject has no known email.' };
    for (const email of subject.emails) {
      const response = await context.http.send({
        method: 'POST',
        url: joinUrl(config.baseUrl ?? 'https://api.hubapi.com', '/crm/v3/objects/contacts/gdpr-delete'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.accessToken}` },
        body: JSON.stringify({ objectId: email, idProperty: 'email' }),
      });
      if (response.status === 404) continue; // never reached HubSpot: nothing to delete
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
    }
    return { kind: 'deleted', count: subject.emails.length, detail: `GDPR delete requested for ${subject.emails.length} contact(s)` };
  },
};
