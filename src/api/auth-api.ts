import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { memberView, SESSION_TTL_MS, type AccountService, type LoginResult } from '../accounts/account-service.js';
import { permissionsOf } from '../accounts/permissions.js';
import type { PolicyVersion } from '../core/member.js';
import type { Store } from '../store/store.js';
import { cookieValue, SESSION_COOKIE } from './api-auth.js';
import { principalOf } from './principal.js';
import { resourceName } from './resource-name.js';
import { EMAIL_PATTERN } from './validation-messages.js';

const Email = Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN });
const Password = Type.String({ minLength: 1, maxLength: 200 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Secret = Type.String({ minLength: 10, maxLength: 200 });
/** The 6-digit code of an authenticator app. */
export const TotpCode = Type.String({ minLength: 6, maxLength: 10 });
/** One of the recovery codes shown when two-factor was turned on (`xxxxx-xxxxx`). */
export const RecoveryCode = Type.String({ minLength: 8, maxLength: 40 });

/** The public URL of this request's server, for one-time links. */
export function linkBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function policyView(p: PolicyVersion) {
  return {
    id: p.id,
    version: p.version,
    title: p.title,
    ...(p.text !== null && { text: p.text }),
    ...(p.url !== null && { url: p.url }),
    effectiveAt: new Date(p.effectiveAt).toISOString(),
    material: p.material,
    publishedAt: new Date(p.publishedAt).toISOString(),
  };
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`);
}

function loggedIn(request: FastifyRequest, reply: FastifyReply, result: LoginResult) {
  setSessionCookie(request, reply, result.sessionSecret, Math.floor(SESSION_TTL_MS / 1000));
  return {
    member: memberView(result.member),
    workspaceId: result.member.workspaceId,
    csrfToken: result.csrfToken,
    mustResetPassword: result.member.mustResetPassword,
    ...(result.pendingPolicy && { pendingPolicy: policyView(result.pendingPolicy) }),
  };
}

const SessionAnswer = Type.Object({ member: Type.Record(Type.String(), Type.Unknown()), workspaceId: Type.String(), csrfToken: Type.String(), mustResetPassword: Type.Boolean(), pendingPolicy: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });

/** Console login, logout, first-start setup, invitation acceptance and password reset (cookie sessions). */
export const authApi: FastifyPluginAsyncTypebox<{ accounts: AccountService; store: Store }> = async (app, { accounts, store }) => {
  app.post('/auth/login', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Log in to the console with email and password (and `code` or `recoveryCode` when two-factor is on); sets an httpOnly session cookie and returns the CSRF token for writes',
      body: Type.Object({ email: Email, password: Password, workspaceId: Type.Optional(Type.String()), code: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode) }, { additionalProperties: false }),
      response: { 200: SessionAnswer },
    },
  }, async (request, reply) => loggedIn(request, reply, await accounts.login(request.body, request.ip, request.headers['user-agent'])));

  app.post('/auth/logout', {
    config: { permission: 'public' },
    schema: { tags: ['auth'], summary: 'End the console session', response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const secret = cookieValue(request, SESSION_COOKIE);
    if (secret) await store.sessions.revoke(secret);
    setSessionCookie(request, reply, '', 0);
    return reply.code(204).send(null);
  });

  app.get('/auth/session', {
    config: { permission: 'account:self' },
    schema: { tags: ['auth'], summary: 'The current caller (workspace, role, the `permissions` the role grants), and for a console session its CSRF token', response: { 200: Type.Record(Type.String(), Type.Unknown()) } },
  }, async (request) => {
    const principal = principalOf(request);
    const member = principal.memberId ? await store.members.get(principal.workspaceId, principal.memberId) : undefined;
    const secret = cookieValue(request, SESSION_COOKIE);
    const session = principal.sessionId && secret ? await store.sessions.authenticate(secret, Date.now()) : undefined;
    const pending = member ? await accounts.pendingPolicy(member) : undefined;
    return {
      workspaceId: principal.workspaceId,
      role: principal.role,
      permissions: permissionsOf(principal.role),
      actor: principal.actor,
      ...(member && { member: memberView(member) }),
      ...(session && { csrfToken: session.csrfToken }),
      ...(pending && { pendingPolicy: policyView(pending) }),
    };
  });

  app.post('/auth/setup', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: "First start: the one-time setup link printed by `sluice start` creates the owner's console account",
      body: Type.Object({ token: Secret, email: Email, name: Name, password: Password }, { additionalProperties: false }),
      response: { 200: SessionAnswer },
    },
  }, async (request, reply) => loggedIn(request, reply, await accounts.setup(request.body.token, { ...request.body, name: resourceName(request.body.name, 'member') }, request.ip, request.headers['user-agent'])));

  app.post('/auth/accept-invite', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Accept an invitation: choose a password (and optionally a name); logs in',
      body: Type.Object({ token: Secret, password: Password, name: Type.Optional(Name) }, { additionalProperties: false }),
      response: { 200: SessionAnswer },
    },
  }, async (request, reply) => {
    const { token, password, name } = request.body;
    return loggedIn(request, reply, await accounts.acceptInvite(token, { password, ...(name !== undefined && { name: resourceName(name, 'member') }) }, request.ip, request.headers['user-agent']));
  });

  app.post('/auth/forgot-password', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Forgot your password: emails a one-time reset link to an active member with this email; always answers 202, known or not',
      body: Type.Object({ email: Email, workspaceId: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 202: Type.Object({ message: Type.String() }) },
    },
  }, async (request, reply) => {
    await accounts.requestPasswordReset(request.body, request.ip);
    return reply.code(202).send({ message: 'If an active member has this email address, a link to choose a new password is on its way (valid 24 hours).' });
  });

  app.post('/auth/reset-password', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Set a new password with a reset link (and `code` or `recoveryCode` when two-factor is on); ends every other session and logs in',
      body: Type.Object({ token: Secret, password: Password, code: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode) }, { additionalProperties: false }),
      response: { 200: SessionAnswer },
    },
  }, async (request, reply) => {
    const { token, password, code, recoveryCode } = request.body;
    return loggedIn(request, reply, await accounts.resetPassword(token, password, request.ip, { code, recoveryCode }, request.headers['user-agent']));
  });
};
