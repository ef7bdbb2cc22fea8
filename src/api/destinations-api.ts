import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DESTINATION_DELETED_REASON, destinationDeletedDrop, type StoredDestination } from '../core/destination.js';
import { FILTER_ACTIONS, MAX_FILTERS, validateFilters, type DestinationFilter } from '../core/destination-filters.js';
import { AuditLog } from '../accounts/audit-log.js';
import { roleHas } from '../accounts/permissions.js';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import { findCategory } from '../core/consent/consent-category.js';
import { mergeConfigPatch } from '../destinations/config-patch.js';
import { openDestination, sealConfig, SECRET_MASK } from '../destinations/destination-secrets.js';
import { destinationType, destinationTypes } from '../destinations/registry.js';
import { validateDestinationConfig } from '../destinations/validate-config.js';
import { PrivacyConfig } from '../privacy/privacy-config.js';
import type { DestinationType } from '../destinations/destination.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { destinationOf } from './destination-of.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { IdParams, orNull } from './schemas.js';

export interface DestinationsApiDeps {
  store: Store;
  keys: Keys;
  changes: ChangeFeed;
  /** SLUICE_ALLOW_PRIVATE_DESTINATIONS. */
  allowPrivate: readonly string[];
}

export const FilterSchema = Type.Object({
  if: Type.String({ description: 'FQL condition, e.g. event = "Order Completed" and properties.total > 100' }),
  action: Type.Union(FILTER_ACTIONS.map((a) => Type.Literal(a))),
  percent: Type.Optional(Type.Number({ description: 'sample: the share (0-100) of matching events that are kept' })),
  properties: Type.Optional(Type.Array(Type.String(), { description: 'drop_properties / allow_properties: field paths (properties.x, traits.x, context.x, or a bare name for both properties and traits)' })),
  name: Type.Optional(Type.String({ description: 'What the filter is for; a drop it makes names it in the delivery log' })),
  enabled: Type.Optional(Type.Boolean({ description: 'false: kept, not applied (absent: applied)' })),
});

export const DestinationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: `Secret fields are shown as "${SECRET_MASK}" when set, and so are the query values of URL fields (https://host/path?key=${SECRET_MASK})` }),
  sourceIds: Type.Optional(Type.Array(Type.String())),
  consentCategories: Type.Optional(Type.Array(Type.String())),
  filters: Type.Array(FilterSchema),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

function filterView(f: DestinationFilter): { if: string; action: DestinationFilter['action']; percent?: number; properties?: string[]; name?: string; enabled?: boolean } {
  return {
    if: f.if,
    action: f.action,
    ...(f.percent !== undefined && { percent: f.percent }),
    ...(f.properties !== undefined && { properties: [...f.properties] }),
    ...(f.name !== undefined && { name: f.name.trim() }),
    ...(f.enabled !== undefined && { enabled: f.enabled }),
  };
}

/** A destination as the API shows it: secrets masked, never in clear. */
export function destinationView(d: StoredDestination) {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    config: d.publicConfig,
    ...(d.sourceIds !== null && { sourceIds: d.sourceIds }),
    ...(d.consentCategories !== null && { consentCategories: d.consentCategories }),
    filters: d.filters.map(filterView),
    enabled: d.enabled,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Config = Type.Record(Type.String(), Type.Unknown(), { description: 'Per type: see the type\'s config schema (webhook: {url, headers?, signingSecret?, batching?, timeoutMs?})' });
const Ids = Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 });
/** Checked by validateFilters (not the schema), so a bad filter gets a message naming it and the FQL position. */
const Filters = Type.Array(Type.Unknown(), {
  description: `Destination filters, applied in order (at most ${MAX_FILTERS}): [{"if": "<FQL>", "action": "drop" | "sample" | "drop_properties" | "allow_properties", "percent"?, "properties"?, "name"?, "enabled"?}]`,
});

/** The filters of a request, checked: `invalid_filter` naming the first bad field and, for FQL, where. */
export function checkFilters(filters: unknown): DestinationFilter[] {
  const problems = validateFilters(filters);
  const first = problems[0];
  if (first) {
    const message = problems.length === 1 ? first.message : `${first.message} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: see problems)`;
    throw new SluiceError('invalid_filter', message, {
      path: first.path,
      ...(first.position && { position: first.position }),
      problems: problems.map((p) => ({ path: p.path, message: p.message, ...(p.position && { position: p.position }) })),
    });
  }
  return (filters as DestinationFilter[]).map(filterView);
}

/**
 * Whether two consent-category lists are the same, in any order. null (never set) differs from [] (set to
 * none): reports flag a destination without a list.
 */
function sameCategories(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/**
 * Which consent categories gate a destination is a privacy decision: setting them (on create) or changing
 * them (on update) needs `privacy:write` besides `destinations:write`. `current` is the stored list on update.
 */
function checkMayGate(request: FastifyRequest, given: readonly string[] | null | undefined, current?: readonly string[] | null): void {
  if (given === undefined || (current !== undefined && sameCategories(given, current))) return;
  const { role } = principalOf(request);
  if (!roleHas(role, 'privacy:write')) {
    throw new SluiceError('forbidden', `Your role (${role}) lacks the "privacy:write" permission needed to set or change a destination's consentCategories; send the request without consentCategories, or ask a member with privacy:write (owner, admin, privacy).`);
  }
}

function typeOf(name: string): DestinationType<unknown> {
  const type = destinationType(name);
  if (!type) {
    throw new SluiceError('validation_failed', `Unknown destination type "${name}": use one of ${destinationTypes().map((t) => t.type).join(', ')}.`);
  }
  return type;
}

/** Destinations: create, list, get, update, delete; config secrets sealed at rest and masked in answers. */
export const destinationsApi: FastifyPluginAsyncTypebox<DestinationsApiDeps> = async (app, { store, keys, changes, allowPrivate }) => {
  const audit = new AuditLog(store.audit);
  /** What the audit log keeps of a destination: its masked view (secrets never in clear). */
  const summary = (d: StoredDestination) => destinationView(d) as unknown as Record<string, unknown>;
  const load = (workspaceId: string, id: string) => destinationOf(store, workspaceId, id);
  // Read fresh (no cache): a category added a moment ago, by any process, is known.
  const privacyConfig = new PrivacyConfig(store, undefined, 0);
  /**
   * Refuses consent categories the workspace does not have (matched as fan-out matches them: by id or name, in any
   * case): no event could grant one, so every event would be withheld from the destination. A category already in
   * the stored list (`current`) is let through, so an edit that sends the list back unchanged still saves.
   */
  const checkCategories = async (workspaceId: string, given: readonly string[] | null | undefined, current: readonly string[] | null = null) => {
    if (!given) return;
    const { categories } = await privacyConfig.get(workspaceId);
    const unknown = given.filter((c) => !findCategory(categories, c) && !(current ?? []).includes(c));
    if (unknown.length === 0) return;
    throw new SluiceError(
      'validation_failed',
      `consentCategories: this workspace has no consent category ${unknown.map((c) => JSON.stringify(c)).join(', ')}, so no event could grant it and every event would be withheld from the destination. Use an id or name of GET /api/v1/consent/categories (${categories.map((c) => c.id).join(', ')}), or add the category first (PUT /api/v1/consent/categories).`,
    );
  };
  const checkSources = async (workspaceId: string, sourceIds: readonly string[] | null | undefined) => {
    if (!sourceIds) return;
    const known = new Set((await store.sources.list(workspaceId)).map((s) => s.id));
    const unknown = sourceIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new SluiceError('validation_failed', `sourceIds: no source ${unknown.join(', ')} in this workspace (GET /api/v1/sources lists them).`);
  };

  app.post('/destinations', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Connect a destination',
      description: 'consentCategories: the consent categories an event must have granted to reach the destination; setting them needs the privacy:write permission. Without them the destination needs no category but the required one.',
      body: Type.Object({ name: Name, type: Type.String(), config: Config, sourceIds: Type.Optional(Ids), consentCategories: Type.Optional(Ids), filters: Type.Optional(Filters), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 201: DestinationSchema },
    },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const body = request.body;
    const name = resourceName(body.name, 'destination');
    checkMayGate(request, body.consentCategories);
    const type = typeOf(body.type);
    const config = await validateDestinationConfig(type, body.config, allowPrivate);
    const filters = body.filters === undefined ? [] : checkFilters(body.filters);
    await checkSources(workspaceId, body.sourceIds);
    await checkCategories(workspaceId, body.consentCategories);
    const created = await store.destinations.create({
      workspaceId,
      name,
      type: type.type,
      ...sealConfig(config, type, keys),
      sourceIds: body.sourceIds ?? null,
      consentCategories: body.consentCategories ?? null,
      filters,
      enabled: body.enabled ?? true,
    });
    await changes.publish('destinations');
    await audit.record({ ...auditContext(request), action: 'destination.create', resourceType: 'destination', resourceId: created.id, resourceName: created.name, after: summary(created) });
    return reply.code(201).send(destinationView(created));
  });

  app.get('/destinations', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: 'List destinations', response: { 200: Type.Object({ destinations: Type.Array(DestinationSchema) }) } },
  }, async (request) => ({ destinations: (await store.destinations.list(principalOf(request).workspaceId)).map(destinationView) }));

  app.get('/destinations/:id', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: 'One destination', params: IdParams, response: { 200: DestinationSchema } },
  }, async (request) => destinationView(await load(principalOf(request).workspaceId, request.params.id)));

  app.patch('/destinations/:id', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Change a destination',
      description: `config replaces the whole config, except what the API shows masked: secret fields omitted or sent as "${SECRET_MASK}" keep their stored value (null removes one), and a URL field whose query values are masked keeps its stored URL when omitted or sent back as shown (values sent as "${SECRET_MASK}" keep the stored value of that parameter). A change of a URL field's scheme, host or port is refused (destination_secrets_required) unless every stored secret is entered again in the same request. sourceIds/consentCategories null removes the restriction; changing consentCategories needs the privacy:write permission (sending them unchanged does not). filters replaces the whole list ([] or null: none).`,
      params: IdParams,
      body: Type.Object({
        name: Type.Optional(Name),
        config: Type.Optional(Config),
        sourceIds: Type.Optional(orNull(Ids)),
        consentCategories: Type.Optional(orNull(Ids)),
        // Any JSON here, checked by checkFilters: a value that is not a list is invalid_filter like a bad filter in one.
        filters: Type.Optional(Type.Unknown({ description: `${Filters.description} null or [] removes every filter.` })),
        enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 200: DestinationSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const existing = await load(workspaceId, request.params.id);
    const body = request.body;
    const name = body.name === undefined ? undefined : resourceName(body.name, 'destination');
    checkMayGate(request, body.consentCategories, existing.consentCategories);
    const type = typeOf(existing.type);
    let sealed: { publicConfig: Record<string, unknown>; sealedSecrets: string | null } | undefined;
    if (body.config !== undefined) {
      const merged = mergeConfigPatch(type, body.config, openDestination(existing, keys).config);
      sealed = sealConfig(await validateDestinationConfig(type, merged, allowPrivate), type, keys);
    }
    const filters = body.filters === undefined ? undefined : body.filters === null ? [] : checkFilters(body.filters);
    await checkSources(workspaceId, body.sourceIds);
    await checkCategories(workspaceId, body.consentCategories, existing.consentCategories);
    const updated = await store.destinations.update(workspaceId, existing.id, {
      ...(name !== undefined && { name }),
      ...(sealed ?? {}),
      ...(body.sourceIds !== undefined && { sourceIds: body.sourceIds }),
      ...(body.consentCategories !== undefined && { consentCategories: body.consentCategories }),
      ...(filters !== undefined && { filters }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
    });
    await changes.publish('destinations');
    await audit.record({ ...auditContext(request), action: 'destination.update', resourceType: 'destination', resourceId: existing.id, resourceName: updated!.name, before: summary(existing), after: summary(updated!) });
    return destinationView(updated!);
  });

  app.delete('/destinations/:id', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Delete a destination (its queued deliveries are discarded)',
      description: `The destination stops receiving at once and disappears from every list and lookup; its config and secrets are erased. A tombstone (id, name, type, created and deleted times, who deleted it) is kept so history stays readable: the delivery log, access exports, "know" reports and deletion certificates still name it. Deliveries still queued or retrying become dropped with reason ${DESTINATION_DELETED_REASON}.`,
      params: IdParams,
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    const { workspaceId, actor } = principalOf(request);
    const existing = await load(workspaceId, request.params.id);
    const at = Date.now();
    const tombstone = await store.destinations.delete(workspaceId, existing.id, { by: actor, at });
    if (!tombstone) throw new SluiceError('not_found', `No destination ${existing.id} in this workspace (it was deleted meanwhile).`);
    await store.deliveries.dropWaiting(workspaceId, existing.id, destinationDeletedDrop(at));
    await changes.publish('destinations');
    await audit.record({ ...auditContext(request), action: 'destination.delete', resourceType: 'destination', resourceId: existing.id, resourceName: existing.name, before: summary(existing) });
    return reply.code(204).send(null);
  });
};
