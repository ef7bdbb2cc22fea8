import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DestinationContext, DestinationType } from '../destination.js';
import { deletionFailure } from '../http-status.js';
import { companionBase } from '../http/companion-base.js';
import { chunks, deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping } from '../http/http-mapping.js';
import { contextString, propertiesOf, traitsOf } from '../segment-fields.js';
import { stableUuid } from '../stable-uuid.js';
import { PostHogConfigSchema, type PostHogConfig } from './posthog-config.js';

/** PostHog accepts large batches (20 MB); stay well under with 1,000 events a request. */
const MAX_EVENTS = 1000;

/** Maps a Segment event to a PostHog capture event (PostHog's own names for identify, page, screen, alias, group). */
export function toPostHogEvent(item: DeliveryItem): JsonObject {
  const e = item.event;
  const distinctId = e.userId ?? e.anonymousId ?? '';
  const base: JsonObject = { $lib: 'sluice' };
  const ip = contextString(e, 'ip');
  if (ip) base.$ip = ip;
  let event: string;
  let properties: JsonObject;
  switch (e.type) {
    case 'identify':
      event = '$identify';
      properties = { ...base, $set: traitsOf(e), ...(e.anonymousId && e.userId ? { $anon_distinct_id: e.anonymousId } : {}) };
      break;
    case 'page': {
      event = '$pageview';
      const p = propertiesOf(e);
      properties = { ...base, ...p, ...(typeof p.url === 'string' ? { $current_url: p.url } : {}), ...(e.name ? { title: e.name } : {}) };
      break;
    }
    case 'screen':
      event = '$screen';
      properties = { ...base, ...propertiesOf(e), ...(e.name ? { $screen_name: e.name } : {}) };
      break;
    case 'alias':
      event = '$create_alias';
      properties = { ...base, alias: e.previousId ?? '' };
      break;
    case 'group':
      event = '$groupidentify';
      properties = { ...base, $group_type: 'company', $group_key: e.groupId ?? '', $group_set: traitsOf(e) };
      break;
    default:
      event = e.event ?? 'Unnamed event';
      properties = { ...base, ...propertiesOf(e) };
  }
  return { event, distinct_id: distinctId, properties, timestamp: e.timestamp, uuid: stableUuid(item.messageId) };
}

/** PostHog Cloud's private API host for its ingestion host (the i. hosts take events only). */
const PRIVATE_API_HOSTS: Readonly<Record<string, string>> = { 'us.i.posthog.com': 'us.posthog.com', 'eu.i.posthog.com': 'eu.posthog.com' };

export const postHogMapping: HttpMapping<PostHogConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const url = joinUrl(config.baseUrl ?? 'https://us.i.posthog.com', '/batch/');
    for (const chunk of chunks(items, MAX_EVENTS)) {
      plan.requests.push({
        request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: config.apiKey, batch: chunk.items.map(toPostHogEvent) }) },
        itemIndexes: chunk.indexes,
      });
    }
    return plan;
  },
  secrets: (config) => [config.apiKey, config.personalApiKey ?? ''],
};

async function findPersons(distinctId: string, config: PostHogConfig, base: string, context: DestinationContext): Promise<string[] | DeletionResult> {
  const response = await context.http.send({
    method: 'GET',
    url: joinUrl(base, `/api/projects/${encodeURIComponent(config.projectId!)}/persons/?distinct_id=${encodeURIComponent(distinctId)}`),
    headers: { authorization: `Bearer ${config.personalApiKey!}` },
  });
  const failure = deletionFailure(response.status, response.headers, response.body);
  if (failure) return failure;
  const body = JSON.parse(response.body) as { results?: { id?: string | number; uuid?: string }[] };
  return (body.results ?? []).map((p) => String(p.uuid ?? p.id));
}

/** PostHog: events through /batch/; deletion removes each linked person with their events (PostHog queues the event deletion). */
export const posthog: DestinationType<PostHogConfig> = {
  type: 'posthog',
  displayName: 'PostHog',
  configSchema: PostHogConfigSchema,
  secretFields: ['apiKey', 'personalApiKey'],
  urlFields: ['baseUrl', 'apiBaseUrl'],
  maxBatchSize: 500,
  deliver: (items, config, context) => deliverHttp(postHogMapping, items, config, context),
  preview: async (items, config) => previewHttp(postHogMapping, items, config),

  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (!config.personalApiKey || !config.projectId) return { kind: 'not_supported', reason: 'PostHog deletion needs a personal API key and the project id (config.personalApiKey, config.projectId).' };
    const base = config.apiBaseUrl ?? companionBase(config.baseUrl, PRIVATE_API_HOSTS, 'https://us.posthog.com');
    const persons = new Set<string>();
    for (const distinctId of [...subject.userIds, ...subject.anonymousIds]) {
      const found = await findPersons(distinctId, config, base, context);
      if (!Array.isArray(found)) return found;
      for (const id of found) persons.add(id);
    }
    for (const person of persons) {
      const response = await context.http.send({
        method: 'DELETE',
        url: joinUrl(base, `/api/projects/${encodeURIComponent(config.projectId)}/persons/${encodeURIComponent(person)}/?delete_events=true`),
        headers: { authorization: `Bearer ${config.personalApiKey}` },
      });
      if (response.status === 404) continue; // gone already
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
    }
    return { kind: 'deleted', count: persons.size, detail: `${persons.size} person(s) deleted; PostHog deletes their events asynchronously` };
  },
};
