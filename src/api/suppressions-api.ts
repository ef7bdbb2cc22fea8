import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import { principalOf } from './principal.js';

const SuppressionSchema = Type.Object({
  identifier: Type.String({ description: 'In clear for suppress requests; a keyed hash (hashed: true) when kept after a deletion' }),
  hashed: Type.Boolean(),
  type: Type.String({ description: 'userId, anonymousId or email' }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

/** `GET /suppressions`: every suppressed identifier of the workspace, newest first. */
export const suppressionsApi: FastifyPluginAsyncTypebox<{ privacy: PrivacyServices }> = async (app, { privacy }) => {
  app.get('/suppressions', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['privacy'], summary: 'Suppressed identifiers (their events are dropped before storage)', response: { 200: Type.Object({ suppressions: Type.Array(SuppressionSchema) }) } },
  }, async (request) => ({
    suppressions: (await privacy.suppressions.list(principalOf(request).workspaceId)).map((s) => ({
      identifier: s.identifier,
      hashed: s.hashed,
      type: s.type,
      requestId: s.requestId,
      createdAt: new Date(s.createdAt).toISOString(),
    })),
  }));
};
