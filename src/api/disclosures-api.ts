import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import { CCPA_FLOWS, COLLECTION_CHANNELS, LEGAL_BASES, PURPOSES, RECIPIENT_CATEGORIES } from '../core/privacy/disclosure-profile.js';
import type { RecipientInput } from '../privacy/reports/report-inputs.js';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';
import { sourceOf } from './source-of.js';

const oneOf = (values: readonly string[], description?: string): TSchema => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. US, DE' });

export const RecipientProfileSchema = Type.Object(
  {
    recipientCategory: oneOf(RECIPIENT_CATEGORIES),
    purposes: Type.Array(oneOf(PURPOSES), { minItems: 1, uniqueItems: true }),
    legalBasis: oneOf(LEGAL_BASES, 'GDPR Art. 6(1) basis'),
    country: Country,
    ccpaFlow: oneOf(CCPA_FLOWS, 'Whether this flow is a "sale" or "sharing" under the CCPA'),
    retention: Type.String({ minLength: 1, maxLength: 200 }),
    transferSafeguards: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);
export const SourceProfileSchema = Type.Object({ channel: oneOf(COLLECTION_CHANNELS), subjects: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const ControllerProfileSchema = Type.Object(
  {
    controllerName: Type.String({ minLength: 1, maxLength: 200 }),
    controllerContact: Type.String({ minLength: 1, maxLength: 300 }),
    dpoName: Type.Optional(Type.String({ maxLength: 200 })),
    dpoContact: Type.Optional(Type.String({ maxLength: 300 })),
    country: Country,
    securityMeasures: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export interface DisclosuresApiDeps {
  store: Store;
  audit: AuditLog;
  listRecipients(workspaceId: string): Promise<RecipientInput[]>;
}

/** Describe each destination, source and the controller once; the reports are generated from these. */
export const disclosuresApi: FastifyPluginAsyncTypebox<DisclosuresApiDeps> = async (app, { store, audit, listRecipients }) => {
  app.get('/disclosures', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['reports'], summary: 'Every disclosure profile of the workspace (including removed resources)' },
  }, async (request) => ({ profiles: await store.disclosures.list(principalOf(request).workspaceId) }));

  app.put('/disclosures/destinations/:id', {
    config: { permission: 'privacy:write' },
    schema: { tags: ['reports'], summary: 'Describe a destination as a recipient', params: Type.Object({ id: Type.String() }), body: RecipientProfileSchema },
  }, async (request) => {
    const principal = principalOf(request);
    const destination = (await listRecipients(principal.workspaceId)).find((d) => d.id === request.params.id);
    if (!destination) throw new SluiceError('not_found', `No destination ${request.params.id} in this workspace.`);
    const record = await store.disclosures.put({ workspaceId: principal.workspaceId, resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, profile: request.body, updatedAt: Date.now() });
    await audit.record({ workspaceId: principal.workspaceId, actor: principal.actor, action: 'disclosure.update', resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, after: request.body, ip: request.ip });
    return record;
  });

  app.put('/disclosures/sources/:id', {
    config: { permission: 'privacy:write' },
    schema: { tags: ['reports'], summary: 'Describe how a source collects data and about whom', params: Type.Object({ id: Type.String() }), body: SourceProfileSchema },
  }, async (request) => {
    const principal = principalOf(request);
    const source = await sourceOf(store, principal.workspaceId, request.params.id);
    const record = await store.disclosures.put({ workspaceId: principal.workspaceId, resourceType: 'source', resourceId: source.id, resourceName: source.name, profile: request.body, updatedAt: Date.now() });
    await audit.record({ workspaceId: principal.workspaceId, actor: principal.actor, action: 'disclosure.update', resourceType: 'source', resourceId: source.id, resourceName: source.name, after: request.body, ip: request.ip });
    return record;
  });

  app.put('/disclosures/controller', {
    config: { permission: 'privacy:write' },
    schema: { tags: ['reports'], summary: 'Controller and DPO details for the Art. 30 record', body: ControllerProfileSchema },
  }, async (request) => {
    const principal = principalOf(request);
    const record = await store.disclosures.put({ workspaceId: principal.workspaceId, resourceType: 'controller', resourceId: principal.workspaceId, resourceName: request.body.controllerName, profile: request.body, updatedAt: Date.now() });
    await audit.record({ workspaceId: principal.workspaceId, actor: principal.actor, action: 'disclosure.update', resourceType: 'controller', resourceId: principal.workspaceId, resourceName: request.body.controllerName, after: request.body, ip: request.ip });
    return record;
  });
};
