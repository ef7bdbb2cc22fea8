import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { memberView, type AccountService } from '../accounts/account-service.js';
import type { AuditLog } from '../accounts/audit-log.js';
import { permissionsOf } from '../accounts/permissions.js';
import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { policyView } from './auth-api.js';
import { ownAccount } from './own-account.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { EMAIL_PATTERN } from './validation-messages.js';

const Body = Type.Record(Type.String(), Type.Unknown());

/** A member's own account: profile (unless locked), password, preferences, export, deletion, policy acceptance. */
export const meApi: FastifyPluginAsyncTypebox<{ store: Store; accounts: AccountService; audit: AuditLog }> = async (app, { store, accounts, audit }) => {

  app.get('/me', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'Your account, the `permissions` your role grants, and a material policy change waiting for your acceptance', response: { 200: Body } },
  }, async (request) => {
    const member = await ownAccount(store, request, 'read');
    const pending = await accounts.pendingPolicy(member);
    // The caller's role: a member's token may have a lower one than the member.
    return { member: memberView(member), permissions: permissionsOf(principalOf(request).role), ...(pending && { pendingPolicy: policyView(pending) }) };
  });

  app.patch('/me', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Change your name or email (refused when an administrator locked your profile)',
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN })) }, { additionalProperties: false }),
      response: { 200: Body },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'change');
    if (member.profileLocked) throw new SluiceError('profile_locked', 'An owner or admin locked your profile; ask them to change it.');
    const { email, name } = request.body;
    if (email !== undefined && email.toLowerCase() !== member.email && (await store.members.byEmail(member.workspaceId, email))) {
      throw new SluiceError('email_taken', `A member with ${email} already exists in this workspace.`);
    }
    const updated = (await store.members.update(member.workspaceId, member.id, { ...(email !== undefined && { email }), ...(name !== undefined && { name: resourceName(name, 'member') }) }))!;
    // A password-reset link sent to the old address stops working.
    if (updated.email !== member.email) await store.sessions.invalidateLinks(member.workspaceId, member.id, Date.now());
    await audit.record({ ...auditContext(request), action: 'member.update_self', resourceType: 'member', resourceId: member.id, resourceName: updated.email, before: { email: member.email, name: member.name }, after: { email: updated.email, name: updated.name } });
    return memberView(updated);
  });

  app.put('/me/preferences', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Opt in or out of product emails and of delivery-alert emails (each field optional; at least one)',
      body: Type.Object({
        productEmails: Type.Optional(Type.Boolean()),
        deliveryAlertEmails: Type.Optional(Type.Boolean({ description: 'Emails when a destination starts failing and when it delivers again (sent to owners, admins and engineers while the workspace has delivery alerts on).' })),
      }, { additionalProperties: false }),
      response: { 200: Body },
    },
  }, async (request) => {
    const member = await ownAccount(store, request, 'change');
    const { productEmails, deliveryAlertEmails } = request.body;
    if (productEmails === undefined && deliveryAlertEmails === undefined) {
      throw new SluiceError('validation_failed', 'Nothing to change: send productEmails, deliveryAlertEmails or both, each true (send me these emails) or false.');
    }
    const updated = (await store.members.update(member.workspaceId, member.id, {
      ...(productEmails !== undefined && { productEmailsOptOut: !productEmails }),
      ...(deliveryAlertEmails !== undefined && { deliveryAlertEmailsOptOut: !deliveryAlertEmails }),
    }))!;
    await audit.record({ ...auditContext(request), action: 'member.preferences', resourceType: 'member', resourceId: member.id, after: request.body });
    return memberView(updated);
  });

  app.post('/me/password', {
    config: { permission: 'account:self' },
    schema: {
      tags: ['me'],
      summary: 'Change your password (currentPassword needed unless an administrator required a reset); ends your other console sessions',
      body: Type.Object({ currentPassword: Type.Optional(Type.String({ maxLength: 200 })), newPassword: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    const member = await ownAccount(store, request, 'change');
    await accounts.changePassword(member.workspaceId, member.id, request.body.currentPassword, request.body.newPassword, request.ip, principalOf(request).sessionId);
    return reply.code(204).send(null);
  });

  app.get('/me/export', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'Export your account data', response: { 200: Body } },
  }, async (request) => {
    const member = await ownAccount(store, request, 'read');
    const data = await accounts.exportAccount(member.workspaceId, member.id);
    await audit.record({ ...auditContext(request), action: 'member.export_self', resourceType: 'member', resourceId: member.id });
    return data;
  });

  app.delete('/me', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'Delete your account (refused for the last owner)', response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const member = await ownAccount(store, request, 'change');
    await accounts.removeMember(auditContext(request), member, 'member.delete_self');
    return reply.code(204).send(null);
  });

  app.post('/me/policy-acceptances', {
    config: { permission: 'account:self' },
    schema: { tags: ['me'], summary: 'Accept a privacy-policy version (recorded with time and IP)', body: Type.Object({ policyVersionId: Type.String() }, { additionalProperties: false }), response: { 201: Body } },
  }, async (request, reply) => {
    const member = await ownAccount(store, request, 'change');
    const policy = await store.policies.get(member.workspaceId, request.body.policyVersionId);
    if (!policy) throw new SluiceError('not_found', `No policy version ${request.body.policyVersionId} in this workspace.`);
    await store.policies.accept({ workspaceId: member.workspaceId, memberId: member.id, policyVersionId: policy.id, at: Date.now(), ip: request.ip });
    await audit.record({ ...auditContext(request), action: 'policy.accept', resourceType: 'policy_version', resourceId: policy.id, resourceName: `v${policy.version}` });
    return reply.code(201).send({ accepted: policyView(policy) });
  });
};
