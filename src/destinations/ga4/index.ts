import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject, JsonValue } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DestinationType } from '../destination.js';
import { deletionFailure } from '../http-status.js';
import { deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping } from '../http/http-mapping.js';
import { contextString, epochMs, propertiesOf } from '../segment-fields.js';
import { GA4_LIMITS, RECOMMENDED_EVENTS, nameProblem, toGa4Name } from './ga4-rules.js';

export const Ga4ConfigSchema = Type.Object(
  {
    measurementId: Type.String({ pattern: '^G-[A-Z0-9]+$', description: 'Web stream measurement id (G-XXXXXXX).' }),
    apiSecret: Type.String({ minLength: 1, description: 'Measurement Protocol API secret of the stream.' }),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://www.google-analytics.com (default) or https://region1.google-analytics.com (EU).' })),
    propertyId: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'GA4 property id, for user deletion.' })),
    deletionAccessToken: Type.Optional(Type.String({ minLength: 1, description: 'OAuth access token with the analytics.user.deletion scope, for user deletion.' })),
    deletionBaseUrl: Type.Optional(Type.String({ format: 'uri', description: 'User Deletion API host (https://www.googleapis.com by default).' })),
  },
  { additionalProperties: false },
);
export type Ga4Config = Static<typeof Ga4ConfigSchema>;

interface Ga4Event {
  name: string;
  params: JsonObject;
}

/** Parameters Sluice adds to every event itself (`engagement_time_msec`): they count toward GA4's limit. */
const ADDED_PARAMS = 1;

/** Flattens properties into GA4 parameters within its limits, leaving room for ADDED_PARAMS; returns what it had to change. */
export function toParams(properties: JsonObject): { params: JsonObject; warnings: string[] } {
  const params: JsonObject = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const name = toGa4Name(key);
    const problem = nameProblem(name, 'parameter');
    if (problem) {
      warnings.push(`parameter "${key}" left out: ${problem}`);
      continue;
    }
    if (Object.keys(params).length >= GA4_LIMITS.paramsPerEvent - ADDED_PARAMS) {
      warnings.push(`parameter "${key}" left out: over ${GA4_LIMITS.paramsPerEvent} parameters per event (engagement_time_msec, which Sluice adds, is one of them)`);
      continue;
    }
    let out: JsonValue = value;
    if (typeof value === 'object' && value !== null && !(key === 'items' && Array.isArray(value))) out = JSON.stringify(value);
    if (typeof out === 'string' && out.length > GA4_LIMITS.paramValueLength) {
      warnings.push(`parameter "${key}" truncated to ${GA4_LIMITS.paramValueLength} characters`);
      out = out.slice(0, GA4_LIMITS.paramValueLength);
    }
    params[name] = out;
  }
  return { params, warnings };
}

/** Maps a Segment event to a GA4 event, or says why GA4 would discard it. */
export function toGa4Event(item: DeliveryItem): { event: Ga4Event; warnings: string[] } | { refused: string; reason: string } {
  const e = item.event;
  if (e.type === 'identify' || e.type === 'alias' || e.type === 'group') {
    return { refused: `the Measurement Protocol sends events only; ${e.type} calls are not sent`, reason: `unsupported:${e.type}` };
  }
  let name: string;
  let properties = propertiesOf(e);
  if (e.type === 'page' || e.type === 'screen') {
    name = e.type === 'page' ? 'page_view' : 'screen_view';
    properties = {
      ...(typeof properties.url === 'string' ? { page_location: properties.url } : {}),
      ...(typeof properties.referrer === 'string' ? { page_referrer: properties.referrer } : {}),
      ...(e.name ? { [e.type === 'page' ? 'page_title' : 'screen_name']: e.name } : {}),
    };
  } else {
    name = RECOMMENDED_EVENTS[e.event ?? ''] ?? toGa4Name(e.event ?? '');
    if (properties.revenue !== undefined && properties.value === undefined) properties = { ...properties, value: properties.revenue };
  }
  const problem = nameProblem(name, 'event');
  if (problem) return { refused: `GA4 would discard this event: ${problem}`, reason: 'invalid_event_name' };
  const { params, warnings } = toParams(properties);
  params.engagement_time_msec = 1;
  return { event: { name, params }, warnings };
}

/**
 * How old an event the Measurement Protocol still takes: it backdates an event by `timestamp_micros` up to 72 hours
 * before the request; an older one is not recorded at its time though the endpoint answers 204 all the same. A
 * minute's margin covers the time between planning and sending and a small clock difference.
 */
export const GA4_MAX_AGE_MS = 72 * 60 * 60 * 1000 - 60_000;

/** Why GA4 would not record an event at its time, or undefined: too old to backdate (a replay, a late retry). */
export function tooOld(item: DeliveryItem, now: number): string | undefined {
  const at = epochMs(item.event);
  if (!(now - at > GA4_MAX_AGE_MS)) return undefined;
  const hours = Math.floor((now - at) / 3_600_000);
  return `GA4 takes events up to 72 hours old and this one happened ${hours} hours ago (${item.event.timestamp}): the Measurement Protocol would answer 204 and not record it at its time, so it is not sent. Older history cannot be imported through the Measurement Protocol.`;
}

export const ga4Mapping: HttpMapping<Ga4Config> = {
  plan(items, config) {
    const plan = emptyPlan();
    const now = Date.now();
    const url = joinUrl(config.baseUrl ?? 'https://www.google-analytics.com', `/mp/collect?measurement_id=${encodeURIComponent(config.measurementId)}&api_secret=${encodeURIComponent(config.apiSecret)}`);
    // One request per client (all events of a request share client_id), at most 25 events each.
    const groups = new Map<string, { userId?: string; ip?: string; events: { index: number; event: Ga4Event; micros: number }[] }>();
    items.forEach((it, index) => {
      const old = tooOld(it, now);
      if (old) {
        plan.refused.set(index, { reason: 'too_old', error: old });
        return;
      }
      const mapped = toGa4Event(it);
      if ('refused' in mapped) {
        plan.refused.set(index, { reason: mapped.reason, error: mapped.refused });
        return;
      }
      plan.warnings.push(...mapped.warnings.map((w) => `event ${index}: ${w}`));
      const clientId = it.event.anonymousId ?? it.event.userId ?? '';
      const group = groups.get(clientId) ?? { events: [] };
      if (it.event.userId) group.userId = it.event.userId;
      const ip = contextString(it.event, 'ip');
      if (ip) group.ip = ip;
      group.events.push({ index, event: mapped.event, micros: epochMs(it.event) * 1000 });
      groups.set(clientId, group);
    });
    for (const [clientId, group] of groups) {
      for (let start = 0; start < group.events.length; start += GA4_LIMITS.eventsPerRequest) {
        const slice = group.events.slice(start, start + GA4_LIMITS.eventsPerRequest);
        const body: JsonObject = {
          client_id: clientId,
          ...(group.userId ? { user_id: group.userId } : {}),
          timestamp_micros: slice[0]!.micros,
          // Each event's own time is the event's timestamp_micros (beside name and params, not a parameter).
          events: slice.map((s) => ({ name: s.event.name, params: s.event.params, timestamp_micros: s.micros })),
        };
        plan.requests.push({ request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, itemIndexes: slice.map((s) => s.index) });
      }
    }
    return plan;
  },
  secrets: (config) => [config.apiSecret, config.deletionAccessToken ?? ''],
};

/** Google Analytics 4 through the Measurement Protocol, validated by Sluice; deletion through the User Deletion API. */
export const ga4: DestinationType<Ga4Config> = {
  type: 'ga4',
  displayName: 'Google Analytics 4',
  configSchema: Ga4ConfigSchema,
  secretFields: ['apiSecret', 'deletionAccessToken'],
  urlFields: ['baseUrl', 'deletionBaseUrl'],
  maxBatchSize: 100,
  deliver: (items, config, context) => deliverHttp(ga4Mapping, items, config, context),
  preview: async (items, config) => previewHttp(ga4Mapping, items, config),
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (!config.propertyId || !config.deletionAccessToken) {
      return { kind: 'not_supported', reason: 'GA4 user deletion needs propertyId and an OAuth access token with the analytics.user.deletion scope (config.deletionAccessToken).' };
    }
    const ids = [...subject.userIds.map((id) => ({ type: 'USER_ID', userId: id })), ...subject.anonymousIds.map((id) => ({ type: 'CLIENT_ID', userId: id }))];
    let last = '';
    for (const id of ids) {
      const response = await context.http.send({
        method: 'POST',
        url: joinUrl(config.deletionBaseUrl ?? 'https://www.googleapis.com', '/analytics/v3/userDeletion/userDeletionRequests:upsert'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.deletionAccessToken}` },
        body: JSON.stringify({ kind: 'analytics#userDeletionRequest', id, propertyId: `properties/${config.propertyId}` }),
      });
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
      last = String((JSON.parse(response.body || '{}') as { deletionRequestTime?: string }).deletionRequestTime ?? '');
    }
    if (ids.length === 0) return { kind: 'deleted', count: 0, detail: 'no identifiers' };
    return { kind: 'submitted', jobId: `properties/${config.propertyId}@${last || 'now'}`, status: `${ids.length} deletion request(s) accepted` };
  },
};
