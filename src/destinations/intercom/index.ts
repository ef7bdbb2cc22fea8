import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DeliveryOutcome, DeliveryResult, DestinationContext, DestinationType, OutboundRequest } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { retryOfNetworkFailure } from '../network-failure.js';
import { joinUrl } from '../http/http-mapping.js';
import { emailOf, epochMs, propertiesOf, traitsOf } from '../segment-fields.js';

export const IntercomConfigSchema = Type.Object(
  {
    accessToken: Type.String({ minLength: 1 }),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://api.intercom.io (default), https://api.eu.intercom.io, https://api.au.intercom.io.' })),
  },
  { additionalProperties: false },
);
export type IntercomConfig = Static<typeof IntercomConfigSchema>;

/** Intercom keeps at most 10 metadata entries per event. */
const MAX_METADATA = 10;
const API_VERSION = '2.11';

function headers(config: IntercomConfig): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${config.accessToken}`, 'intercom-version': API_VERSION };
}

function base(config: IntercomConfig): string {
  return config.baseUrl ?? 'https://api.intercom.io';
}

function searchRequest(config: IntercomConfig, field: 'external_id' | 'email', value: string): OutboundRequest {
  return { method: 'POST', url: joinUrl(base(config), '/contacts/search'), headers: headers(config), body: JSON.stringify({ query: { field, operator: '=', value } }) };
}

function contactBody(item: DeliveryItem): JsonObject {
  const traits = traitsOf(item.event);
  const custom: JsonObject = {};
  for (const [key, value] of Object.entries(traits)) {
    if (['email', 'name', 'phone', 'firstName', 'lastName'].includes(key)) continue;
    if (value === null || typeof value !== 'object') custom[key] = value;
  }
  const name = typeof traits.name === 'string' ? traits.name : [traits.firstName, traits.lastName].filter((v) => typeof v === 'string').join(' ');
  const email = emailOf(item.event);
  return {
    role: 'user',
    external_id: item.event.userId ?? '',
    ...(email ? { email } : {}),
    ...(name ? { name } : {}),
    ...(typeof traits.phone === 'string' ? { phone: traits.phone } : {}),
    custom_attributes: custom,
  };
}

function eventBody(item: DeliveryItem): JsonObject {
  const metadata: JsonObject = {};
  for (const [key, value] of Object.entries(propertiesOf(item.event))) {
    if (Object.keys(metadata).length >= MAX_METADATA) break;
    if (value === null || typeof value !== 'object') metadata[key] = value;
  }
  return { event_name: item.event.event ?? '', created_at: Math.floor(epochMs(item.event) / 1000), user_id: item.event.userId ?? '', metadata };
}

async function findContactId(config: IntercomConfig, field: 'external_id' | 'email', value: string, context: DestinationContext): Promise<string | undefined | DeliveryResult> {
  const response = await context.http.send(searchRequest(config, field, value));
  const classified = classifyHttpStatus(response.status, response.headers, response.body);
  if (classified.kind !== 'ok') return classified;
  let found: { id?: string }[];
  try {
    found = (JSON.parse(response.body) as { data?: { id?: string }[] }).data ?? [];
  } catch (error) {
    // Not a network failure: Intercom (or a proxy before it) answered, with something else than its JSON. Nothing
    // was written yet, so the event is tried again, under its own reason.
    const why = error instanceof Error ? error.message : String(error);
    return { kind: 'retry', reason: 'answer_unreadable', error: `Intercom's contact search answered ${response.status} but Sluice could not read its answer (${why}); nothing was sent yet` };
  }
  return found[0]?.id;
}

/**
 * The custom attributes an Intercom answer says the workspace does not define: it refuses the whole contact
 * (400, `{"type":"error.list","errors":[{"code":"parameter_invalid","message":"Custom attribute 'shoe_size' does
 * not exist"}]}`), so the contact is sent once more without them.
 */
export function missingAttributes(status: number, text: string): string[] {
  if (status !== 400 && status !== 422) return [];
  let errors: { message?: string }[] = [];
  try {
    errors = (JSON.parse(text) as { errors?: { message?: string }[] }).errors ?? [];
  } catch {
    return [];
  }
  return errors.flatMap((error) => [...String(error.message ?? '').matchAll(/attribute '([^']+)' does not exist/gi)].map((m) => m[1]!));
}

function leftOutNote(names: readonly string[]): string {
  const list = names.map((n) => `"${n}"`).join(', ');
  return `sent without ${list}: Intercom has no such custom attribute${names.length === 1 ? '' : 's'}; to receive ${names.length === 1 ? 'it' : 'them'}, create ${names.length === 1 ? 'it' : 'them'} in Intercom (Settings > Data > People, with these names) and replay these events`;
}

/** Why an event is not sent to Intercom at all, or undefined when it is sent. */
function refusalOf(item: DeliveryItem): { reason: string; error: string } | undefined {
  const e = item.event;
  if (!e.userId) return { reason: 'missing_user_id', error: 'Intercom contacts and events are keyed by external_id: events without userId are not sent.' };
  if (e.type !== 'identify' && e.type !== 'track') return { reason: `unsupported:${e.type}`, error: `Intercom has no ${e.type} call in its REST API; ${e.type} events are not sent.` };
  return undefined;
}

/** One event: identify = find the contact by external_id, then update it or create it; track = an event by user_id. */
async function deliverOne(item: DeliveryItem, config: IntercomConfig, context: DestinationContext): Promise<DeliveryResult> {
  const e = item.event;
  const refusal = refusalOf(item);
  if (refusal) return { kind: 'abort', ...refusal };
  try {
    if (e.type === 'identify') {
      const id = await findContactId(config, 'external_id', e.userId ?? '', context);
      if (typeof id === 'object') return id;
      const request: OutboundRequest = id
        ? { method: 'PUT', url: joinUrl(base(config), `/contacts/${encodeURIComponent(id)}`), headers: headers(config) }
        : { method: 'POST', url: joinUrl(base(config), '/contacts'), headers: headers(config) };
      const body = contactBody(item);
      const custom = body.custom_attributes as JsonObject;
      const left: string[] = [];
      // Intercom may name one undefined attribute per answer: each is left out in turn, at most once each.
      for (;;) {
        const response = await context.http.send({ ...request, body: JSON.stringify(body) }, { signal: context.signal });
        const missing = missingAttributes(response.status, response.body).filter((name) => name in custom);
        if (missing.length === 0) {
          const result = classifyHttpStatus(response.status, response.headers, response.body);
          return result.kind === 'ok' && left.length > 0 ? { kind: 'ok', reason: 'properties_left_out', note: leftOutNote(left) } : result;
        }
        for (const name of missing) delete custom[name];
        left.push(...missing);
      }
    }
    const response = await context.http.send({ method: 'POST', url: joinUrl(base(config), '/events'), headers: headers(config), body: JSON.stringify(eventBody(item)) }, { signal: context.signal });
    return classifyHttpStatus(response.status, response.headers, response.body);
  } catch (error) {
    return retryOfNetworkFailure(error, 'network error: ');
  }
}

/** Intercom: contacts by external_id (looked up, then updated or created), events; deletion by Intercom id, looked up first. */
export const intercom: DestinationType<IntercomConfig> = {
  type: 'intercom',
  displayName: 'Intercom',
  configSchema: IntercomConfigSchema,
  secretFields: ['accessToken'],
  urlFields: ['baseUrl'],
  maxBatchSize: 20,
  async deliver(items, config, context): Promise<DeliveryOutcome> {
    const results: DeliveryResult[] = [];
    for (const item of items) results.push(await deliverOne(item, config, context));
    return results.every((r) => r.kind === 'ok' && r.reason === undefined) ? { kind: 'ok' } : results.length === 1 ? results[0]! : { kind: 'per_item', results };
  },
  async preview(items, config) {
    const mask = (r: OutboundRequest): OutboundRequest => ({ ...r, headers: { ...r.headers, authorization: 'Bearer ****' } });
    const requests: OutboundRequest[] = [];
    const warnings: string[] = [];
    const refused: { messageId: string; reason: string; error: string }[] = [];
    for (const item of items) {
      const e = item.event;
      const refusal = refusalOf(item);
      if (refusal) refused.push({ messageId: item.messageId, ...refusal });
      else if (e.type === 'identify') {
        requests.push(mask(searchRequest(config, 'external_id', e.userId ?? '')));
        requests.push(mask({ method: 'POST', url: joinUrl(base(config), '/contacts'), headers: headers(config), body: JSON.stringify(contactBody(item)) }));
        warnings.push(`${item.messageId}: PUT /contacts/{id} instead of POST when the search finds the contact`);
      } else requests.push(mask({ method: 'POST', url: joinUrl(base(config), '/events'), headers: headers(config), body: JSON.stringify(eventBody(item)) }));
    }
    return { requests, warnings, refused };
  },
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    const ids = new Set<string>();
    const lookups: ['external_id' | 'email', string][] = [...subject.userIds.map((v) => ['external_id', v] as ['external_id', string]), ...subject.emails.map((v) => ['email', v] as ['email', string])];
    for (const [field, value] of lookups) {
      const found = await findContactId(config, field, value, context);
      if (typeof found === 'object') {
        if (found.kind === 'retry') return found.afterMs === undefined ? { kind: 'retry', error: found.error } : { kind: 'retry', error: found.error, afterMs: found.afterMs };
        return { kind: 'failed', error: found.kind === 'abort' ? found.error : 'unexpected answer' };
      }
      if (found) ids.add(found);
    }
    if (lookups.length === 0) return { kind: 'not_supported', reason: 'Intercom finds contacts by external_id or email; this subject has neither.' };
    for (const id of ids) {
      const response = await context.http.send({ method: 'DELETE', url: joinUrl(base(config), `/contacts/${encodeURIComponent(id)}`), headers: headers(config) });
      if (response.status === 404) continue; // gone already
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
    }
    return { kind: 'deleted', count: ids.size, detail: `${ids.size} contact(s) deleted` };
  },
};
