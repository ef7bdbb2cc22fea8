import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { sha256Hex } from '../core/ids.js';
import type { Source } from '../core/source.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import { newWriteKey } from '../store/sql/sql-source-repository.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { sourceOf } from './source-of.js';
import { IdParams } from './schemas.js';

export const SourceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  writeKey: Type.String(),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export function sourceView(source: Source) {
  return {
    id: source.id,
    name: source.name,
    writeKey: source.writeKey,
    enabled: source.enabled,
    createdAt: new Date(source.createdAt).toISOString(),
    updatedAt: new Date(source.updatedAt).toISOString(),
  };
}

const Name = Type.String({ minLength: 1, maxLength: 200 });

/** Sources: create, list, get, rename, enable/disable, rotate the writeKey. */
/** A source as the audit log summarises it: the writeKey is a credential, so only a fingerprint of it. */
function auditSummary(source: Source) {
  return { name: source.name, enabled: source.enabled, keyFingerprint: sha256Hex(source.writeKey).slice(0, 12) };
}

export const sourcesApi: FastifyPluginAsyncTypebox<{ store: Store; changes: ChangeFeed; audit: AuditLog }> = async (app, { store, changes, audit }) => {
  const load = (workspaceId: string, id: string) => sourceOf(store, workspaceId, id);

  app.post('/sources', {
    config: { permission: 'sources:write' },
    schema: { tags: ['sources'], summary: 'Create a source', body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 201: SourceSchema } },
  }, async (request, reply) => {
    const source = await store.sources.create({ workspaceId: principalOf(request).workspaceId, name: resourceName(request.body.name, 'source') });
    await changes.publish('sources');
    await audit.record({ ...auditContext(request), action: 'source.create', resourceType: 'source', resourceId: source.id, resourceName: source.name, after: auditSummary(source) });
    return reply.code(201).send(sourceView(source));
  });

  app.get('/sources', {
    config: { permission: 'sources:read' },
    schema: { tags: ['sources'], summary: 'List sources', response: { 200: Type.Object({ sources: Type.Array(SourceSchema) }) } },
  }, async (request) => ({ sources: (await store.sources.list(principalOf(request).workspaceId)).map(sourceView) }));

  app.get('/sources/:id', {
    config: { permission: 'sources:read' },
    schema: { tags: ['sources'], summary: 'Get a source', params: IdParams, response: { 200: SourceSchema } },
  }, async (request) => sourceView(await load(principalOf(request).workspaceId, request.params.id)));

  app.patch('/sources/:id', {
    config: { permission: 'sources:write' },
    schema: {
      tags: ['sources'],
      summary: 'Rename, enable or disable a source',
      params: IdParams,
      body: Type.Object({ name: Type.Optional(Name), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: SourceSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const before = await load(workspaceId, request.params.id);
    const { name, enabled } = request.body;
    const updated = (await store.sources.update(workspaceId, request.params.id, { ...(name !== undefined && { name: resourceName(name, 'source') }), ...(enabled !== undefined && { enabled }) }))!;
    await changes.publish('sources');
    await audit.record({ ...auditContext(request), action: 'source.update', resourceType: 'source', resourceId: updated.id, resourceName: updated.name, before: auditSummary(before), after: auditSummary(updated) });
    return sourceView(updated);
  });

  app.post('/sources/:id/rotate-write-key', {
    config: { permission: 'sources:write' },
    schema: { tags: ['sources'], summary: 'Replace the writeKey (the old one stops working at once)', params: IdParams, response: { 200: SourceSchema } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const before = await load(workspaceId, request.params.id);
    const updated = (await store.sources.update(workspaceId, request.params.id, { writeKey: newWriteKey() }))!;
    await changes.publish('sources');
    await audit.record({ ...auditContext(request), action: 'source.rotate_write_key', resourceType: 'source', resourceId: updated.id, resourceName: updated.name, before: auditSummary(before), after: auditSummary(updated) });
    return sourceView(updated);
  });
};
