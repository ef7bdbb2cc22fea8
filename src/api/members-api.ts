import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { memberView, type AccountService } from '../accounts/account-service.js';
import type { AuditLog } from '../accounts/audit-log.js';
import { roleCovers } from '../accounts/permissions.js';
import { ROLE_NAMES, type RoleName } from '../core/api-token.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { linkBase } from './auth-api.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { IdParams } from './schemas.js';
import { EMAIL_PATTERN } from './validation-messages.js';

export const Role = Type.Union(ROLE_NAMES.map((r) => Type.Literal(r)));
const Email = Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const MemberBody = Type.Record(Type.String(), Type.Unknown());
/** Whether the invitation or reset email went out (`mode: development`: it is in the outbox instead). */
const EmailOutcomeSchema = Type.Object({ sent: Type.Boolean(), mode: Type.Union([Type.Literal('smtp'), Type.Literal('development')]), reason: Type.Optional(Type.String()) });

/** Organisation-administered accounts: owners and admins invite, change, suspend, restore, reset and export. */
export const membersApi: FastifyPluginAsyncTypebox<{ store: Store; accounts: AccountService; audit: AuditLog }> = async (app, { store, accounts, audit }) => {
  const load = async (request: FastifyRequest, id: string): Promise<Member> => {
    const member = await store.members.get(principalOf(request).workspaceId, id);
    if (!member) throw new SluiceError('not_found', `No member ${id} in this workspace.`);
    return member;
  };
  /** An admin may act on a member only when their role covers the member's (an admin cannot suspend an owner). */
  const mayManage = (request: FastifyRequest, member: Member) => {
    const { role } = principalOf(request);
    if (!roleCovers(role, member.role)) throw new SluiceError('role_too_high', `Your role (${role}) may not manage a member whose role is ${member.role}.`);
  };
  const ctx = (request: FastifyRequest) => ({ ...auditContext(request), role: principalOf(request).role });

  /** A member as the members API shows it: with whether two-factor is on (what a "reset two-factor" would undo). */
  const withTwoFactor = async (member: Member) => ({ ...memberView(member), twoFactorEnabled: (await store.twoFactor.get(member.workspaceId, member.id))?.enabledAt != null });

  app.get('/members', {
    config: { permission: 'members:read' },
    schema: { tags: ['members'], summary: 'List members (each with `twoFactorEnabled`)', response: { 200: Type.Object({ members: Type.Array(MemberBody) }) } },
  }, async (request) => ({ members: await Promise.all((await store.members.list(principalOf(request).workspaceId)).map(withTwoFactor)) }));

  app.get('/members/:id', {
    config: { permission: 'members:read' },
    schema: { tags: ['members'], summary: 'Get a member (with `twoFactorEnabled`)', params: IdParams, response: { 200: MemberBody } },
  }, async (request) => withTwoFactor(await load(request, request.params.id)));

  app.post('/members', {
    config: { permission: 'members:write' },
    schema: {
      tags: ['members'],
      summary: 'Invite a member (role no higher than yours); the invitation link is shown once. Inviting again someone who has not accepted yet sends a new link (the earlier ones stop working)',
      body: Type.Object({ email: Email, name: Name, role: Role }, { additionalProperties: false }),
      response: { 201: Type.Object({ member: MemberBody, inviteUrl: Type.String(), inviteToken: Type.String(), email: EmailOutcomeSchema }) },
    },
  }, async (request, reply) => {
    const { member, secret, email } = await accounts.invite(ctx(request), { ...request.body, name: resourceName(request.body.name, 'member') });
    return reply.code(201).send({ member: memberView(member), inviteUrl: `${linkBase(request)}/invite?token=${secret}`, inviteToken: secret, email });
  });

  app.patch('/members/:id', {
    config: { permission: 'members:write' },
    schema: {
      tags: ['members'],
      summary: "Change a member's email, name or role, lock or unlock their own profile editing. A new email voids the invitation and reset links sent to the old one. For a member invited who has not joined yet, a new role or email sends a new invitation naming it (the earlier links stop working); the answer then has `invitation` ({inviteUrl, inviteToken, email}) as POST /members does",
      params: IdParams,
      body: Type.Object({ email: Type.Optional(Email), name: Type.Optional(Name), role: Type.Optional(Role), profileLocked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: MemberBody },
    },
  }, async (request) => {
    const member = await load(request, request.params.id);
    mayManage(request, member);
    const { email, role } = request.body;
    if (role !== undefined && !roleCovers(principalOf(request).role, role as RoleName)) throw new SluiceError('role_too_high', `Your role may not grant the ${role} role.`);
    if (role !== undefined) await accounts.ensureOwnerRemains(member, { role: role as RoleName });
    if (email !== undefined && email.toLowerCase() !== member.email) {
      if (await store.members.byEmail(member.workspaceId, email)) throw new SluiceError('email_taken', `A member with ${email} already exists in this workspace.`);
    }
    const { name } = request.body;
    const patch = { ...request.body, ...(name !== undefined && { name: resourceName(name, 'member') }) } as { email?: string; name?: string; role?: RoleName; profileLocked?: boolean };
    const updated = (await store.members.update(member.workspaceId, member.id, patch))!;
    // Links already emailed (an invitation, a password reset) went to the old address, perhaps a mistyped one: void.
    if (updated.email !== member.email) await store.sessions.invalidateLinks(member.workspaceId, member.id, Date.now());
    await audit.record({ ...auditContext(request), action: 'member.update', resourceType: 'member', resourceId: member.id, resourceName: updated.email, before: pick(member), after: pick(updated) });
    // Someone invited who has not joined yet holds an email naming the role they get, sent to the address they read:
    // a new role or address invites them again (a new link naming it; the earlier ones stop working).
    if (updated.status === 'invited' && (updated.role !== member.role || updated.email !== member.email)) {
      const { member: invited, secret, email } = await accounts.invite(ctx(request), { email: updated.email, name: updated.name, role: updated.role });
      return { ...memberView(invited), invitation: { inviteUrl: `${linkBase(request)}/invite?token=${secret}`, inviteToken: secret, email } };
    }
    return memberView(updated);
  });

  const statusChange = (path: 'suspend' | 'restore', status: 'suspended' | 'active') =>
    app.post(`/members/:id/${path}`, {
      config: { permission: 'members:write' },
      schema: { tags: ['members'], summary: path === 'suspend' ? 'Suspend a member: sessions and their tokens stop working at once' : 'Restore a suspended member', params: IdParams, response: { 200: MemberBody } },
    }, async (request) => {
      const member = await load(request, (request.params as { id: string }).id);
      mayManage(request, member);
      if (status === 'suspended') {
        // Suspending again would change nothing but write a second member.suspend to the audit log.
        if (member.status === 'suspended') throw new SluiceError('conflict', `Member ${member.id} (${member.email}) is already suspended; restore them with POST /members/${member.id}/restore.`);
        await accounts.ensureOwnerRemains(member, { status });
        await store.sessions.revokeAllOf(member.workspaceId, member.id);
      } else if (member.status !== 'suspended') {
        throw new SluiceError('conflict', `Member ${member.id} is ${member.status}, not suspended.`);
      }
      const updated = (await store.members.update(member.workspaceId, member.id, { status: status === 'active' && !member.hasPassword ? 'invited' : status }))!;
      await audit.record({ ...auditContext(request), action: `member.${path}`, resourceType: 'member', resourceId: member.id, resourceName: member.email, before: { status: member.status }, after: { status: updated.status } });
      return memberView(updated);
    });
  statusChange('suspend', 'suspended');
  statusChange('restore', 'active');

  app.post('/members/:id/require-password-reset', {
    config: { permission: 'members:write' },
    schema: {
      tags: ['members'],
      summary: 'Require a new password: ends their sessions, unlocks a locked account, emails them a one-time reset link and returns it. A member who has not joined yet (no password) is refused, 409 conflict: send them a new invitation instead (POST /members)',
      params: IdParams,
      response: { 200: Type.Object({ member: MemberBody, resetUrl: Type.String(), resetToken: Type.String(), email: EmailOutcomeSchema }) },
    },
  }, async (request) => {
    const member = await load(request, request.params.id);
    mayManage(request, member);
    // Not joined yet: there is no password to reset, and a "choose a new password" email would puzzle them.
    if (!member.hasPassword) {
      const reinvite = `send a new invitation instead: POST /api/v1/members {"email": "${member.email}", "name", "role"} (the console's "New invitation link"; their earlier links stop working)`;
      throw new SluiceError(
        'conflict',
        member.status === 'suspended'
          ? `Member ${member.id} (${member.email}) never joined (suspended before accepting their invitation), so has no password to reset: restore them (POST /api/v1/members/${member.id}/restore), then ${reinvite}.`
          : `Member ${member.id} (${member.email}) has not accepted their invitation yet, so has no password to reset: ${reinvite}.`,
      );
    }
    const { member: updated, secret, email } = await accounts.requirePasswordReset(auditContext(request), member);
    return { member: memberView(updated), resetUrl: `${linkBase(request)}/reset-password?token=${secret}`, resetToken: secret, email };
  });

  app.delete('/members/:id/sessions', {
    config: { permission: 'members:write' },
    schema: {
      tags: ['members'],
      summary: "Log a member out everywhere: ends all their console sessions (a lost laptop) without suspending them; their password and API tokens keep working",
      params: IdParams,
      response: { 200: Type.Object({ ended: Type.Integer() }) },
    },
  }, async (request) => {
    const member = await load(request, request.params.id);
    mayManage(request, member);
    const ended = await store.sessions.revokeAllOf(member.workspaceId, member.id);
    await audit.record({ ...auditContext(request), action: 'member.sessions_end', resourceType: 'member', resourceId: member.id, resourceName: member.email, after: { ended } });
    return { ended };
  });

  app.get('/members/:id/export', {
    config: { permission: 'members:read' },
    schema: { tags: ['members'], summary: "A member's account data (profile, tokens, sessions, policy acceptances, activity)", params: IdParams, response: { 200: MemberBody } },
  }, async (request) => {
    const member = await load(request, request.params.id);
    const data = await accounts.exportAccount(member.workspaceId, member.id);
    await audit.record({ ...auditContext(request), action: 'member.export', resourceType: 'member', resourceId: member.id, resourceName: member.email });
    return data;
  });

  app.delete('/members/:id', {
    config: { permission: 'members:write' },
    schema: { tags: ['members'], summary: 'Remove a member (not the last owner); their tokens are revoked', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const member = await load(request, request.params.id);
    mayManage(request, member);
    await accounts.removeMember(auditContext(request), member, 'member.remove');
    return reply.code(204).send(null);
  });
};

function pick(member: Member) {
  return { email: member.email, name: member.name, role: member.role, profileLocked: member.profileLocked };
}
