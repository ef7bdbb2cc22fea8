import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/account-service.js';
import type { AuditLog } from '../accounts/audit-log.js';
import { roleCovers } from '../accounts/permissions.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { RecoveryCode, TotpCode } from './auth-api.js';
import { ownAccount } from './own-account.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

const Status = Type.Object({ enabled: Type.Boolean(), pending: Type.Boolean(), recoveryCodesLeft: Type.Integer() });

/**
 * Optional TOTP second factor: a member enrolls (secret + otpauth URI for the authenticator app), confirms
 * with a first code (and receives single-use recovery codes, shown once), and from then on logs in with a
 * code. Turning it off needs a current code or recovery code, or an owner/admin reset. Every step is audited.
 */
export const twoFactorApi: FastifyPluginAsyncTypebox<{ accounts: AccountService; store: Store; audit: AuditLog }> = async (app, { accounts, store, audit }) => {
  const twoFactor = accounts.twoFactor;
  const record = (request: FastifyRequest, member: Member, action: string, after?: Record<string, unknown>) =>
    audit.record({ ...auditContext(request), action, resourceType: 'member', resourceId: member.id, resourceName: member.email, ...(after && { after }) });

  app.get('/me/two-factor', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'Whether two-factor authentication is on for your account, and how many recovery codes are left', response: { 200: Status } },
  }, async (request) => twoFactor.status(await ownAccount(store, request, 'read')));

  app.post('/me/two-factor', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Start turning on two-factor authentication: answers the secret and the otpauth:// URI for your authenticator app (shown once); confirm with a first code',
      response: { 201: Type.Object({ secret: Type.String(), otpauthUri: Type.String() }) },
    },
  }, async (request, reply) => {
    const member = await ownAccount(store, request, 'change');
    const enrollment = await twoFactor.enroll(member);
    await record(request, member, 'member.two_factor_enroll');
    return reply.code(201).send(enrollment);
  });

  app.post('/me/two-factor/confirm', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Turn two-factor authentication on with the first code of your authenticator app; answers 10 single-use recovery codes (shown once)',
      body: Type.Object({ code: TotpCode }, { additionalProperties: false }),
      response: { 200: Type.Object({ enabled: Type.Boolean(), recoveryCodes: Type.Array(Type.String()) }) },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'change');
    const recoveryCodes = await twoFactor.confirm(member, request.body.code);
    await record(request, member, 'member.two_factor_enable', { recoveryCodes: recoveryCodes.length });
    return { enabled: true, recoveryCodes };
  });

  app.post('/me/two-factor/disable', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Turn two-factor authentication off: needs a current code or an unused recovery code',
      body: Type.Object({ code: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode) }, { additionalProperties: false }),
      response: { 200: Status },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'change');
    if (!(await twoFactor.isEnabled(member))) throw new SluiceError('conflict', 'Two-factor authentication is not on for this account.');
    await accounts.verifySecondFactor(member, request.body, request.ip);
    await twoFactor.remove(member);
    await record(request, member, 'member.two_factor_disable');
    return twoFactor.status(member);
  });

  app.post('/members/:id/two-factor/reset', {
    config: { permission: 'members:write' },
    schema: {
      tags: ['members'],
      summary: "Turn a member's two-factor authentication off (lost device); they log in with their password alone until they enroll again",
      params: IdParams,
      response: { 200: Status },
    },
  }, async (request) => {
    const { workspaceId, role } = principalOf(request);
    const member = await store.members.get(workspaceId, request.params.id);
    if (!member) throw new SluiceError('not_found', `No member ${request.params.id} in this workspace.`);
    if (!roleCovers(role, member.role)) throw new SluiceError('role_too_high', `Your role (${role}) may not manage a member whose role is ${member.role}.`);
    const removed = await twoFactor.remove(member);
    if (removed) await store.sessions.revokeAllOf(member.workspaceId, member.id);
    await record(request, member, 'member.two_factor_reset', { removed });
    return twoFactor.status(member);
  });
};
