import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DeliveryResult, DestinationType } from '../destination.js';
import { classifyHttpStatus, retryAfterMs, deletionFailure } from '../http-status.js';
import { chunks, deliverHttp, textBody, emptyPlan, joinUrl, previewHttp, type HttpMapping, type PlannedRequest } from '../http/http-mapping.js';
import { emailOf, eventNameOf, pagePropertiesOf, propertiesOf, traitsOf } from '../segment-fields.js';

export const BrazeConfigSchema = Type.Object(
  {
    apiKey: Type.String({ minLength: 1, description: 'REST API key with users.track and users.delete.' }),
    baseUrl: Type.String({ format: 'uri', description: 'Your REST endpoint, e.g. https://rest.iad-01.braze.com.' }),
    aliasLabel: Type.Optional(Type.String({ minLength: 1, description: 'Alias label for anonymous visitors (default: segment_anonymous_id).' })),
  },
  { additionalProperties: false },
);
export type BrazeConfig = Static<typeof BrazeConfigSchema>;

/** /users/track takes at most 75 attribute, 75 event and 75 purchase objects per request. */
const PER_REQUEST = 75;
/** /users/delete takes at most 50 identifiers per request. */
const DELETE_PER_REQUEST = 50;

/** Segment traits -> Braze standard attributes where Braze has one. */
const STANDARD: Record<string, string> = { firstName: 'first_name', lastName: 'last_name', email: 'email', phone: 'phone', gender: 'gender', city: 'home_city', country: 'country' };

function who(item: DeliveryItem, label: string): JsonObject {
  const e = item.event;
  if (e.userId) return { external_id: e.userId };
  return { user_alias: { alias_name: e.anonymousId ?? '', alias_label: label }, _update_existing_only: false };
}

/**
 * Braze's `gender` takes only M, F, O (other), U (unknown), N (not applicable) or P (prefer not to say), and
 * refuses the whole attributes object otherwise: the words people send, mapped to those letters.
 */
const GENDERS: Readonly<Record<string, string>> = {
  m: 'M', male: 'M', man: 'M', f: 'F', female: 'F', woman: 'F', o: 'O', other: 'O', 'non-binary': 'O', nonbinary: 'O',
  u: 'U', unknown: 'U', n: 'N', 'not applicable': 'N', p: 'P', 'prefer not to say': 'P',
};

/** The attributes object of an identify; `warnings` says what was left out (the preview shows them). */
function attributesOf(item: DeliveryItem, label: string): { value: JsonObject; warnings: string[] } {
  const out: JsonObject = who(item, label);
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(traitsOf(item.event))) {
    if (key === 'birthday' && typeof value === 'string') out.dob = value.slice(0, 10);
    else if (key === 'gender' && value !== null) {
      const letter = typeof value === 'string' ? GENDERS[value.trim().toLowerCase()] : undefined;
      if (letter) out.gender = letter;
      else warnings.push(`${item.messageId}: traits.gender ${JSON.stringify(value)} left out: Braze takes only M, F, O, U, N or P (or male, female, other, ...)`);
    } else out[STANDARD[key] ?? key] = value;
  }
  const email = emailOf(item.event);
  if (email) out.email = email;
  return { value: out, warnings };
}

export const brazeMapping: HttpMapping<BrazeConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const label = config.aliasLabel ?? 'segment_anonymous_id';
    const rows: { index: number; kind: 'attributes' | 'events'; value: JsonObject }[] = [];
    items.forEach((it, index) => {
      const e = it.event;
      if (e.type === 'identify') {
        const attributes = attributesOf(it, label);
        plan.warnings.push(...attributes.warnings);
        rows.push({ index, kind: 'attributes', value: attributes.value });
      }
      else if (e.type === 'alias' || e.type === 'group') plan.refused.set(index, { reason: `unsupported:${e.type}`, error: `Braze /users/track has no ${e.type} call; ${e.type} events are not sent.` });
      else rows.push({ index, kind: 'events', value: { ...who(it, label), name: eventNameOf(e), time: e.timestamp, properties: e.type === 'track' ? propertiesOf(e) : pagePropertiesOf(e) } });
    });
    // Each request: up to 75 attributes and 75 events.
    let current: typeof rows = [];
    const counts = { attributes: 0, events: 0 };
    const flush = () => {
      if (current.length === 0) return;
      const body: JsonObject = {};
      const attributeRows = current.filter((r) => r.kind === 'attributes');
      const eventRows = current.filter((r) => r.kind === 'events');
      if (attributeRows.length) body.attributes = attributeRows.map((r) => r.value);
      if (eventRows.length) body.events = eventRows.map((r) => r.value);
      plan.requests.push({
        request: { method: 'POST', url: joinUrl(config.baseUrl, '/users/track'), headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}` }, body: JSON.stringify(body) },
        // In the order of the body (attributes, then events): `interpret` reads Braze's errors by that position.
        itemIndexes: [...attributeRows, ...eventRows].map((r) => r.index),
      });
      current = [];
      counts.attributes = 0;
      counts.events = 0;
    };
    for (const row of rows) {
      if (counts[row.kind] >= PER_REQUEST) flush();
      current.push(row);
      counts[row.kind]++;
    }
    flush();
    return plan;
  },

  interpret(response, planned: PlannedRequest): DeliveryResult | DeliveryResult[] {
    if (response.status === 429) {
      // Braze sends X-RateLimit-Reset (epoch seconds) rather than Retry-After.
      const reset = Number(response.headers['x-ratelimit-reset']);
      const afterMs = retryAfterMs(response.headers['retry-after']) ?? (Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) : undefined);
      return afterMs === undefined ? { kind: 'retry', reason: 'http_429', error: 'Braze 429: rate limited' } : { kind: 'retry', reason: 'http_429', error: 'Braze 429: rate limited', afterMs };
    }
    if (response.status === 201 || response.status === 200) {
      // A success may still list objects Braze refused: {"errors":[{"type","input_array","index"}]}.
      let errors: { type?: string; input_array?: string; index?: number }[] = [];
      try {
        errors = (JSON.parse(response.body) as { errors?: typeof errors }).errors ?? [];
      } catch {
        errors = [];
      }
      if (errors.length === 0) return { kind: 'ok' };
      const body = JSON.parse(textBody(planned.request) || '{}') as { attributes?: unknown[]; events?: unknown[] };
      const attributeCount = body.attributes?.length ?? 0;
      const refused = new Map<number, string>();
      for (const error of errors) {
        if (typeof error.index !== 'number') continue;
        const position = error.input_array === 'events' ? attributeCount + error.index : error.index;
        refused.set(position, error.type ?? 'refused');
      }
      return planned.itemIndexes.map((_, position) => {
        const type = refused.get(position);
        return type === undefined ? { kind: 'ok' } : { kind: 'abort', reason: 'invalid_event', error: `Braze refused the object: ${type}` };
      });
    }
    return classifyHttpStatus(response.status, response.headers, response.body);
  },
  secrets: (config) => [config.apiKey],
};

/** Braze: user attributes and custom events through /users/track; deletion through /users/delete. */
export const braze: DestinationType<BrazeConfig> = {
  type: 'braze',
  displayName: 'Braze',
  configSchema: BrazeConfigSchema,
  secretFields: ['apiKey'],
  urlFields: ['baseUrl'],
  maxBatchSize: 150,
  deliver: (items, config, context) => deliverHttp(brazeMapping, items, config, context),
  preview: async (items, config) => previewHttp(brazeMapping, items, config),
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    const label = config.aliasLabel ?? 'segment_anonymous_id';
    const ids: JsonObject[] = [
      ...subject.userIds.map((id) => ({ external_id: id })),
      ...subject.anonymousIds.map((alias) => ({ user_alias: { alias_name: alias, alias_label: label } })),
    ];
    let deleted = 0;
    for (const chunk of chunks(ids, DELETE_PER_REQUEST)) {
      const externalIds = chunk.items.filter((i) => 'external_id' in i).map((i) => i.external_id!);
      const aliases = chunk.items.filter((i) => 'user_alias' in i).map((i) => i.user_alias!);
      const response = await context.http.send({
        method: 'POST',
        url: joinUrl(config.baseUrl, '/users/delete'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}` },
        body: JSON.stringify({ ...(externalIds.length ? { external_ids: externalIds } : {}), ...(aliases.length ? { user_aliases: aliases } : {}) }),
      });
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
      deleted += Number((JSON.parse(response.body || '{}') as { deleted?: number }).deleted ?? 0);
    }
    return { kind: 'deleted', count: deleted, detail: `Braze queued ${deleted} user profile(s) for deletion` };
  },
};
