import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import type { Session } from '../core/member.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { ownAccount } from './own-account.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

const SessionSchema = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'To the minute; null when not used since it was opened (or since before Sluice noted it)' }),
  expiresAt: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()], { description: 'The address it was opened from' }),
  userAgent: Type.Union([Type.String(), Type.Null()], { description: 'The browser it was opened in, as it named itself' }),
  current: Type.Boolean({ description: 'The session making this request' }),
});

/** A session as its member sees it: never its secret or CSRF token. */
function sessionView(session: Session, currentId: string | undefined) {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: session.id,
    createdAt: iso(session.createdAt),
    lastUsedAt: session.lastUsedAt === null ? null : iso(session.lastUsedAt),
    expiresAt: iso(session.expiresAt),
    ip: session.ip,
    userAgent: session.userAgent,
    current: session.id === currentId,
  };
}

/**
 * A member's own console sessions (`/me/sessions`): list them (where and when each was opened and last used), end
 * one, or end every other ("log out other sessions"). Ending is audited (`member.session_end`,
 * `member.sessions_end_others`). An owner or admin ends all of a member's sessions with `DELETE /members/:id/sessions`
 * (members-api.ts), or by suspending them or requiring a new password.
 */
export const meSessionsApi: FastifyPluginAsyncTypebox<{ store: Store; audit: AuditLog }> = async (app, { store, audit }) => {
  app.get('/me/sessions', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Your console sessions, newest first: when and where each was opened, when it was last used; `current` is this one',
      response: { 200: Type.Object({ sessions: Type.Array(SessionSchema) }) },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'read');
    const now = Date.now();
    const sessions = (await store.sessions.listOf(member.workspaceId, member.id)).filter((s) => s.expiresAt > now).reverse();
    return { sessions: sessions.map((s) => sessionView(s, principalOf(request).sessionId)) };
  });

  app.delete('/me/sessions/:id', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'End one of your console sessions (this one too: that logs you out)', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const member = await ownAccount(store, request, 'change');
    const session = (await store.sessions.listOf(member.workspaceId, member.id)).find((s) => s.id === request.params.id && s.expiresAt > Date.now());
    if (!session || !(await store.sessions.end(member.workspaceId, member.id, session.id))) {
      throw new SluiceError('not_found', `You have no session ${request.params.id}: it ended or expired already (GET /api/v1/me/sessions lists those open).`);
    }
    await audit.record({ ...auditContext(request), action: 'member.session_end', resourceType: 'member', resourceId: member.id, resourceName: member.email, after: { ended: { id: session.id, ip: session.ip, current: session.id === principalOf(request).sessionId } } });
    return reply.code(204).send(null);
  });

  app.delete('/me/sessions', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Log out your other sessions: ends every console session of yours but this one (all of them when called with an API token)',
      response: { 200: Type.Object({ ended: Type.Integer() }) },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'change');
    const ended = await store.sessions.revokeAllOf(member.workspaceId, member.id, principalOf(request).sessionId);
    await audit.record({ ...auditContext(request), action: 'member.sessions_end_others', resourceType: 'member', resourceId: member.id, resourceName: member.email, after: { ended } });
    return { ended };
  });
};
