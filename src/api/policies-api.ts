import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { policyView } from './auth-api.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

const Body = Type.Record(Type.String(), Type.Unknown());

/** Versions of the workspace's privacy policy; members are shown a material change at their next login. */
export const policiesApi: FastifyPluginAsyncTypebox<{ store: Store; audit: AuditLog }> = async (app, { store, audit }) => {
  app.post('/policy-versions', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['policies'],
      summary: 'Publish a privacy-policy version (text or URL, effective date, material flag)',
      body: Type.Object(
        {
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          text: Type.Optional(Type.String({ minLength: 1, maxLength: 500_000 })),
          url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
          effectiveAt: Type.Optional(Type.String({ format: 'date-time' })),
          material: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      response: { 201: Body },
    },
  }, async (request, reply) => {
    const { title, text, url, effectiveAt, material } = request.body;
    if (text === undefined && url === undefined) throw new SluiceError('validation_failed', 'A policy version needs its text or its url.');
    const context = auditContext(request);
    const policy = await store.policies.publish({
      workspaceId: context.workspaceId,
      title: title ?? 'Privacy policy',
      text: text ?? null,
      url: url ?? null,
      effectiveAt: effectiveAt !== undefined ? Date.parse(effectiveAt) : Date.now(),
      material,
      publishedBy: context.actor,
    });
    await audit.record({ ...context, action: 'policy.publish', resourceType: 'policy_version', resourceId: policy.id, resourceName: `v${policy.version}`, after: { material, effectiveAt: new Date(policy.effectiveAt).toISOString(), url: policy.url } });
    return reply.code(201).send(policyView(policy));
  });

  app.get('/policy-versions', {
    config: { permission: 'account:self' },
    schema: { tags: ['policies'], summary: 'Published policy versions, newest first, and the one in force', response: { 200: Type.Object({ versions: Type.Array(Body), inForce: Type.Optional(Body) }) } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const inForce = await store.policies.inForce(workspaceId, Date.now());
    return { versions: (await store.policies.list(workspaceId)).map(policyView), ...(inForce && { inForce: policyView(inForce) }) };
  });

  app.get('/policy-versions/:id/acceptances', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['policies'], summary: 'Who accepted a policy version, and when', params: IdParams, response: { 200: Type.Object({ acceptances: Type.Array(Body) }) } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    if (!(await store.policies.get(workspaceId, request.params.id))) throw new SluiceError('not_found', `No policy version ${request.params.id} in this workspace.`);
    const rows = await store.policies.acceptances(workspaceId, { policyVersionId: request.params.id });
    return { acceptances: rows.map((r) => ({ memberId: r.memberId, acceptedAt: new Date(r.acceptedAt).toISOString(), ip: r.ip })) };
  });
};
