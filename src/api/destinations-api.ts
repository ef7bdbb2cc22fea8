import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { StoredDestination } from '../core/destination.js';
import { AuditLog } from '../accounts/audit-log.js';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import { openSecrets, sealConfig, SECRET_MASK } from '../destinations/destination-secrets.js';
import { destinationType, destinationTypes } from '../destinations/registry.js';
import { validateDestinationConfig } from '../destinations/validate-config.js';
import type { DestinationType } from '../destinations/destination.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

export interface DestinationsApiDeps {
  store: Store;
  keys: Keys;
  changes: ChangeFeed;
  /** SLUICE_ALLOW_PRIVATE_DESTINATIONS. */
  allowPrivate: readonly string[];
}

export const DestinationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: `Secret fields are shown as "${SECRET_MASK}" when set` }),
  sourceIds: Type.Optional(Type.Array(Type.String())),
  consentCategories: Type.Optional(Type.Array(Type.String())),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/** A destination as the API shows it: secrets masked, never in clear. */
export function destinationView(d: StoredDestination) {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    config: d.publicConfig,
    ...(d.sourceIds !== null && { sourceIds: d.sourceIds }),
    ...(d.consentCategories !== null && { consentCategories: d.consentCategories }),
    enabled: d.enabled,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Config = Type.Record(Type.String(), Type.Unknown(), { description: 'Per type: see the type\'s config schema (webhook: {url, headers?, signingSecret?, batching?, timeoutMs?})' });
const Ids = Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 });

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
  const load = async (workspaceId: string, id: string) => {
    const destination = await store.destinations.get(workspaceId, id);
    if (!destination) throw new SluiceError('not_found', `No destination ${id} in this workspace.`);
    return destination;
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
      body: Type.Object({ name: Name, type: Type.String(), config: Config, sourceIds: Type.Optional(Ids), consentCategories: Type.Optional(Ids), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 201: DestinationSchema },
    },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const body = request.body;
    const type = typeOf(body.type);
    const config = await validateDestinationConfig(type, body.config, allowPrivate);
    await checkSources(workspaceId, body.sourceIds);
    const created = await store.destinations.create({
      workspaceId,
      name: body.name,
      type: type.type,
      ...sealConfig(config, type.secretFields, keys),
      sourceIds: body.sourceIds ?? null,
      consentCategories: body.consentCategories ?? null,
      enabled: body.enabled ?? true,
    });
    changes.publish('destinations');
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
      description: `config replaces the whole config, except secret fields that are omitted or sent as "${SECRET_MASK}": those keep their stored value. sourceIds/consentCategories null removes the restriction.`,
      params: IdParams,
      body: Type.Object({
        name: Type.Optional(Name),
        config: Type.Optional(Config),
        sourceIds: Type.Optional(Type.Union([Ids, Type.Null()])),
        consentCategories: Type.Optional(Type.Union([Ids, Type.Null()])),
        enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 200: DestinationSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const existing = await load(workspaceId, request.params.id);
    const body = request.body;
    const type = typeOf(existing.type);
    let sealed: { publicConfig: Record<string, unknown>; sealedSecrets: string | null } | undefined;
    if (body.config !== undefined) {
      const stored = openSecrets(existing, keys);
      const merged: Record<string, unknown> = { ...body.config };
      for (const field of type.secretFields) {
        if ((merged[field] === undefined || merged[field] === SECRET_MASK) && stored[field] !== undefined) merged[field] = stored[field];
      }
      sealed = sealConfig(await validateDestinationConfig(type, merged, allowPrivate), type.secretFields, keys);
    }
    await checkSources(workspaceId, body.sourceIds);
    const updated = await store.destinations.update(workspaceId, existing.id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(sealed ?? {}),
      ...(body.sourceIds !== undefined && { sourceIds: body.sourceIds }),
      ...(body.consentCategories !== undefined && { consentCategories: body.consentCategories }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
    });
    changes.publish('destinations');
    await audit.record({ ...auditContext(request), action: 'destination.update', resourceType: 'destination', resourceId: existing.id, resourceName: updated!.name, before: summary(existing), after: summary(updated!) });
    return destinationView(updated!);
  });

  app.delete('/destinations/:id', {
    config: { permission: 'destinations:write' },
    schema: { tags: ['destinations'], summary: 'Delete a destination (its queued deliveries are discarded)', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const existing = await load(workspaceId, request.params.id);
    await store.destinations.delete(workspaceId, request.params.id);
    changes.publish('destinations');
    await audit.record({ ...auditContext(request), action: 'destination.delete', resourceType: 'destination', resourceId: existing.id, resourceName: existing.name, before: summary(existing) });
    return reply.code(204).send(null);
  });
};
