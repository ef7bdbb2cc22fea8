import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { lowerRole, roleCovers } from '../accounts/permissions.js';
import type { ApiToken, RoleName } from '../core/api-token.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import { randomToken } from '../core/ids.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { Role } from './members-api.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { IdParams } from './schemas.js';

/** Longest a rotated token's old secret may keep working (7 days, as payment APIs allow when rolling a key). */
const MAX_OVERLAP_MINUTES = 7 * 24 * 60;

const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  memberId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  replacedBy: Type.Union([Type.String(), Type.Null()], { description: 'The token a rotation replaced this one with (its secret then works until expiresAt, or was revoked); null: not rotated' }),
});

/** What the list adds about the member a token belongs to. */
const TokenOwnerFields = Type.Object({
  memberEmail: Type.Union([Type.String(), Type.Null()], { description: 'The email of the member the token belongs to; null for a token of no member (the bootstrap token) or of a member removed since' }),
  actsAs: Type.Union([Type.String(), Type.Null()], {
    description: "The role the token has now: the lower of its own and its member's current role; null while its member cannot use it (suspended, removed, or required to set a new password)",
  }),
});

function tokenView(t: ApiToken) {
  const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());
  return { id: t.id, name: t.name, role: t.role, memberId: t.memberId, createdAt: new Date(t.createdAt).toISOString(), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt), replacedBy: t.replacedBy };
}

/** A listed token with its member's email and the role it acts with now (as `api-auth.ts` decides it per call). */
function ownedTokenView(t: ApiToken, members: ReadonlyMap<string, Member>) {
  if (t.memberId === null) return { ...tokenView(t), memberEmail: null, actsAs: t.role };
  const member = members.get(t.memberId);
  const usable = member !== undefined && member.status === 'active' && !member.mustResetPassword;
  return { ...tokenView(t), memberEmail: member?.email ?? null, actsAs: usable ? lowerRole(t.role, member.role) : null };
}

/** The refusal to rotate a token a rotation already replaced (while its old secret still works). */
function rotatedAlready(old: ApiToken, replacedBy: string): SluiceError {
  const until = old.expiresAt === null ? '' : ` until ${new Date(old.expiresAt).toISOString()}`;
  return new SluiceError(
    'conflict',
    `Token ${old.id} was rotated already: its replacement is token ${replacedBy}, and its own secret keeps working${until} so services can move over. Rotate ${replacedBy} instead for another new secret, or revoke ${old.id} (DELETE /api/v1/tokens/${old.id}) to end the overlap now.`,
  );
}

/**
 * API tokens of the caller's workspace: created with a role no higher than the creator's, shown once,
 * revocable by a caller whose role covers the token's (as for creating one).
 */
export const tokensApi: FastifyPluginAsyncTypebox<{ store: Store; audit: AuditLog }> = async (app, { store, audit }) => {
  app.get('/tokens', {
    config: { permission: 'tokens:read' },
    schema: {
      tags: ['tokens'],
      summary: "List API tokens (never their secrets), each with its member's email and the role it acts with now",
      response: { 200: Type.Object({ tokens: Type.Array(Type.Intersect([TokenSchema, TokenOwnerFields])) }) },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const members = new Map((await store.members.list(workspaceId)).map((m) => [m.id, m]));
    return { tokens: (await store.tokens.list(workspaceId)).map((t) => ownedTokenView(t, members)) };
  });

  app.post('/tokens', {
    config: { permission: 'tokens:write' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token for this workspace; the secret is in this answer only',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), role: Role, expiresAt: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
      response: { 201: Type.Intersect([TokenSchema, Type.Object({ token: Type.String() })]) },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const role = request.body.role as RoleName;
    if (!roleCovers(principal.role, role)) throw new SluiceError('role_too_high', `Your role (${principal.role}) may not create a token with the ${role} role.`);
    const expiresAt = request.body.expiresAt !== undefined ? Date.parse(request.body.expiresAt) : null;
    if (expiresAt !== null && expiresAt <= Date.now()) throw new SluiceError('validation_failed', 'expiresAt is in the past; give a future date-time (or none for a token that does not expire).');
    const secret = `sl_${randomToken(40)}`;
    const token = await store.tokens.create({ workspaceId: principal.workspaceId, name: resourceName(request.body.name, 'token'), secret, role, memberId: principal.memberId, expiresAt });
    await audit.record({ ...auditContext(request), action: 'token.create', resourceType: 'token', resourceId: token.id, resourceName: token.name, after: { role, expiresAt: request.body.expiresAt ?? null } });
    return reply.code(201).send({ ...tokenView(token), token: secret });
  });

  app.post('/tokens/:id/rotate', {
    config: { permission: 'tokens:write' },
    schema: {
      tags: ['tokens'],
      summary:
        'Rotate one of your own tokens (or, for an owner, a token of no member such as the bootstrap token): a new secret with the same name, role and expiry, answered once; the old secret stops working at once, or after oldSecretValidForMinutes (up to 7 days) so the services that use it can move over. A token rotated already (its old secret still in its overlap) is refused, 409 conflict naming its replacement: rotate that one instead',
      params: IdParams,
      body: Type.Object(
        {
          oldSecretValidForMinutes: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_OVERLAP_MINUTES, description: 'How long the old secret keeps working (0, the default: it stops at once). Never past its own expiry.' }),
          ),
        },
        { additionalProperties: false, description: 'Optional: a call without a body rotates with no overlap' },
      ),
      response: {
        201: Type.Intersect([
          TokenSchema,
          Type.Object({ token: Type.String(), replaces: Type.String(), oldSecretValidUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the old secret stops working; null: it already has' }) }),
        ]),
      },
    },
    // A call without a body (the console's, and every caller's before the overlap existed) is an empty one.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const old = (await store.tokens.list(principal.workspaceId)).find((t) => t.id === request.params.id);
    if (!old) throw new SluiceError('not_found', `No token ${request.params.id} in this workspace.`);
    if (!roleCovers(principal.role, old.role)) throw new SluiceError('role_too_high', `Your role (${principal.role}) may not rotate a token with the ${old.role} role; ask an owner.`);
    // The new secret goes to the caller: a token of another member would let them act in that member's name.
    if (old.memberId !== null && old.memberId !== principal.memberId) {
      throw new SluiceError('forbidden', `Token ${old.id} belongs to another member: only they may rotate it (you may revoke it, DELETE /api/v1/tokens/${old.id}).`);
    }
    if (old.memberId === null && principal.role !== 'owner') throw new SluiceError('role_too_high', `Token ${old.id} belongs to no member (the installation's): only an owner may rotate it.`);
    const now = Date.now();
    if (old.revokedAt !== null || (old.expiresAt !== null && old.expiresAt <= now)) {
      throw new SluiceError('conflict', `Token ${old.id} is ${old.revokedAt !== null ? 'revoked' : 'expired'}: create a new token instead (POST /api/v1/tokens).`);
    }
    // Rotated already, its old secret still in its overlap: another rotation would make a third live secret.
    if (old.replacedBy !== null) throw rotatedAlready(old, old.replacedBy);
    const secret = `sl_${randomToken(40)}`;
    const token = await store.tokens.create({ workspaceId: principal.workspaceId, name: old.name, secret, role: old.role, memberId: old.memberId, expiresAt: old.expiresAt });
    // Two rotations at once: the one that marks the old token first wins; the other's new secret never worked.
    if (!(await store.tokens.markReplaced(principal.workspaceId, old.id, token.id))) {
      await store.tokens.revoke(principal.workspaceId, token.id, Date.now());
      const current = (await store.tokens.list(principal.workspaceId)).find((t) => t.id === old.id);
      throw current?.replacedBy ? rotatedAlready(current, current.replacedBy) : new SluiceError('conflict', `Token ${old.id} was revoked meanwhile: create a new token instead (POST /api/v1/tokens).`);
    }
    // An overlap lets the services holding the old secret move to the new one without an outage: the old token
    // then expires (never later than it would have); without one it is revoked now.
    const overlapMinutes = request.body.oldSecretValidForMinutes ?? 0;
    let oldValidUntil: number | null = null;
    if (overlapMinutes > 0) {
      oldValidUntil = Math.min(now + overlapMinutes * 60_000, old.expiresAt ?? Number.POSITIVE_INFINITY);
      await store.tokens.expireBy(principal.workspaceId, old.id, oldValidUntil);
    } else {
      await store.tokens.revoke(principal.workspaceId, old.id, now);
    }
    const oldSecretValidUntil = oldValidUntil === null ? null : new Date(oldValidUntil).toISOString();
    await audit.record({ ...auditContext(request), action: 'token.rotate', resourceType: 'token', resourceId: old.id, resourceName: old.name, after: { replacedBy: token.id, role: old.role, oldStopsWorkingAt: oldSecretValidUntil } }); // a key naming a secret would be redacted
    return reply.code(201).send({ ...tokenView(token), token: secret, replaces: old.id, oldSecretValidUntil });
  });

  app.delete('/tokens/:id', {
    config: { permission: 'tokens:write' },
    schema: { tags: ['tokens'], summary: 'Revoke a token (it stops working at once); only a token whose role is no higher than yours. A token already revoked stays as it was (204)', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const { workspaceId, role } = principalOf(request);
    const token = (await store.tokens.list(workspaceId)).find((t) => t.id === request.params.id);
    if (!token) throw new SluiceError('not_found', `No token ${request.params.id} in this workspace.`);
    // As for creating one: an admin may not revoke an owner's token.
    if (!roleCovers(role, token.role)) throw new SluiceError('role_too_high', `Your role (${role}) may not revoke a token with the ${token.role} role; ask an owner.`);
    // Revoking a revoked token changes nothing: the audit log keeps the one revocation that happened.
    if (!(await store.tokens.revoke(workspaceId, token.id, Date.now()))) return reply.code(204).send(null);
    await audit.record({ ...auditContext(request), action: 'token.revoke', resourceType: 'token', resourceId: token.id, resourceName: token.name });
    return reply.code(204).send(null);
  });
};
