import { randomToken } from '../core/ids.js';
import { SluiceError } from '../core/errors.js';
import type { RoleName } from '../core/api-token.js';
import type { AccountLinkPurpose, Member, PolicyVersion } from '../core/member.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import type { Store } from '../store/store.js';
import { accountLink, invitationEmail, passwordResetEmail } from './account-emails.js';
import type { AuditLog } from './audit-log.js';
import type { SecondFactor, TwoFactorService } from './two-factor.js';
import { LoginThrottle } from './login-throttle.js';
import { checkPasswordStrength, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';
import { roleCovers } from './permissions.js';

/** Who acts, for the audit log. */
export interface ActorContext {
  workspaceId: string;
  actor: string;
  ip: string | null;
  role: RoleName;
}

export const SESSION_TTL_MS = 12 * 60 * 60_000;
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60_000;
const LINK_TTL_MS: Record<AccountLinkPurpose, number> = { setup: 7 * 86_400_000, invite: 7 * 86_400_000, password_reset: 86_400_000 };

export interface LoginResult {
  member: Member;
  /** The session cookie's value (shown to the browser only, never stored in clear). */
  sessionSecret: string;
  csrfToken: string;
  /** A material privacy-policy change this member has not accepted yet. */
  pendingPolicy: PolicyVersion | undefined;
}

/** Whether an account email (invitation, password reset) went out; `reason` says why not. */
export interface EmailOutcome {
  sent: boolean;
  /** `development`: no SMTP configured, the email is in the log and the outbox (`GET /api/v1/outbox`). */
  mode: Mailer['mode'];
  reason?: string;
}

/** How account emails are sent: the mailer, and the public URL their links start with. */
export interface AccountMail {
  mailer: Mailer;
  publicUrl: string;
}

/** Self-service reset emails per member: at most one a minute, so the public form cannot flood a mailbox. */
const RESET_EMAIL_INTERVAL_MS = 60_000;

/** A member's account as the API shows it (never the password hash). */
export function memberView(member: Member) {
  return {
    id: member.id,
    email: member.email,
    name: member.name,
    role: member.role,
    status: member.status,
    hasPassword: member.hasPassword,
    mustResetPassword: member.mustResetPassword,
    profileLocked: member.profileLocked,
    productEmailsOptOut: member.productEmailsOptOut,
    deliveryAlertEmailsOptOut: member.deliveryAlertEmailsOptOut,
    locked: member.lockedUntil !== null && member.lockedUntil > Date.now(),
    createdAt: new Date(member.createdAt).toISOString(),
    updatedAt: new Date(member.updatedAt).toISOString(),
    ...(member.lastLoginAt !== null && { lastLoginAt: new Date(member.lastLoginAt).toISOString() }),
  };
}

/**
 * Console accounts: login (lockout and throttling), sessions, one-time links (setup, invitation, password
 * reset), the organisation-administered member lifecycle, and policy acceptance. Every change is audited.
 */
export class AccountService {
  readonly throttle = new LoginThrottle();
  /** Self-service password-reset requests per client address (every request counts, found or not). */
  readonly resetRequests = new LoginThrottle(10, 10 * 60_000);
  private readonly lastResetEmail = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly mail: AccountMail,
    readonly twoFactor: TwoFactorService,
  ) {}

  /**
   * Requires the member's second factor when two-factor is on: `two_factor_required` without one,
   * `two_factor_code_invalid` for a wrong or reused code. Both count against the client address (login
   * throttle); a wrong code counts against the account too (locked after 5 failures, like passwords).
   */
  /** Checks a member's second factor outside login (turning two-factor off): throws like login does. */
  verifySecondFactor(member: Member, factor: SecondFactor, ip: string): Promise<void> {
    return this.requireSecondFactor(member, factor, ip, Date.now(), false);
  }

  private async requireSecondFactor(member: Member, factor: SecondFactor, ip: string, now: number, countAgainstAccount: boolean): Promise<void> {
    const check = await this.twoFactor.check(member, factor, now);
    if (check.ok) {
      if (check.used === 'recovery_code') {
        const left = await this.store.twoFactor.remainingRecoveryCodes(member.workspaceId, member.id);
        await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.two_factor_recovery_used', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip, after: { recoveryCodesLeft: left } });
      }
      return;
    }
    this.throttle.fail(ip, now);
    if (check.reason === 'missing') {
      throw new SluiceError('two_factor_required', 'This account uses two-factor authentication: send `code` (the 6-digit code of your authenticator app) or one of your `recoveryCode`s.');
    }
    await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.two_factor_failed', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip });
    if (countAgainstAccount) {
      const failed = member.failedLogins + 1;
      const lock = failed >= MAX_FAILED_LOGINS;
      await this.store.members.update(member.workspaceId, member.id, { failedLogins: lock ? 0 : failed, ...(lock && { lockedUntil: now + LOCK_MS }) });
      if (lock) await this.audit.record({ workspaceId: member.workspaceId, actor: 'system', action: 'member.locked', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip, after: { reason: `${MAX_FAILED_LOGINS} failed sign-ins` } });
    }
    throw new SluiceError('two_factor_code_invalid', 'The two-factor code is wrong, expired or already used: enter the current code of your authenticator app, or an unused recovery code.');
  }

  private async workspaceName(workspaceId: string): Promise<string> {
    return (await this.store.workspaces.get(workspaceId))?.name ?? workspaceId;
  }

  private async sendEmail(message: MailMessage): Promise<EmailOutcome> {
    const result = await this.mail.mailer.send(message);
    return result.ok ? { sent: true, mode: this.mail.mailer.mode } : { sent: false, mode: this.mail.mailer.mode, reason: result.reason };
  }

  async createLink(workspaceId: string, memberId: string | null, purpose: AccountLinkPurpose): Promise<string> {
    const secret = randomToken(40);
    await this.store.sessions.createLink({ secret, workspaceId, memberId, purpose, expiresAt: Date.now() + LINK_TTL_MS[purpose] });
    return secret;
  }

  async login(input: { email: string; password: string; workspaceId?: string } & SecondFactor, ip: string, userAgent?: string): Promise<LoginResult> {
    const now = Date.now();
    const wait = this.throttle.retryAfterSeconds(ip, now);
    if (wait > 0) throw new SluiceError('login_rate_limited', `Too many failed logins from your address; try again in ${wait} s.`, { retryAfterSeconds: wait });
    const candidates = (await this.store.members.withEmail(input.email)).filter(
      (c) => c.passwordHash !== null && c.member.status !== 'invited' && (input.workspaceId === undefined || c.member.workspaceId === input.workspaceId),
    );
    if (candidates.length === 0) {
      await verifyPassword(input.password, DUMMY_PASSWORD_HASH);
      this.throttle.fail(ip, now);
      throw new SluiceError('invalid_credentials', 'Unknown email or wrong password.');
    }
    const open = candidates.filter((c) => c.member.lockedUntil === null || c.member.lockedUntil <= now);
    if (open.length === 0) {
      const until = Math.min(...candidates.map((c) => c.member.lockedUntil ?? now));
      const seconds = Math.max(1, Math.ceil((until - now) / 1000));
      throw new SluiceError('account_locked', `Too many wrong passwords: this account is locked for ${seconds} more seconds.`, { retryAfterSeconds: seconds });
    }
    const matches: Member[] = [];
    for (const c of open) if (await verifyPassword(input.password, c.passwordHash!)) matches.push(c.member);
    if (matches.length === 0) {
      this.throttle.fail(ip, now);
      for (const { member } of open) {
        const failed = member.failedLogins + 1;
        const lock = failed >= MAX_FAILED_LOGINS;
        await this.store.members.update(member.workspaceId, member.id, { failedLogins: lock ? 0 : failed, ...(lock && { lockedUntil: now + LOCK_MS }) });
        if (lock) await this.audit.record({ workspaceId: member.workspaceId, actor: 'system', action: 'member.locked', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip, after: { reason: `${MAX_FAILED_LOGINS} wrong passwords` } });
      }
      throw new SluiceError('invalid_credentials', 'Unknown email or wrong password.');
    }
    if (matches.length > 1) throw new SluiceError('workspace_required', 'This email and password open several workspaces: send workspaceId too.', { workspaceIds: matches.map((m) => m.workspaceId) });
    const member = matches[0]!;
    if (member.status === 'suspended') throw new SluiceError('account_suspended', 'This account is suspended; an owner or admin of the workspace can restore it.');
    await this.requireSecondFactor(member, input, ip, now, true);
    const updated = (await this.store.members.update(member.workspaceId, member.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: now }))!;
    await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.login', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip });
    return this.openSession(updated, ip, userAgent);
  }

  /** Opens a console session, noting the address and browser (`userAgent`) it was opened from for the member's session list. */
  async openSession(member: Member, ip: string | null, userAgent?: string): Promise<LoginResult> {
    const sessionSecret = randomToken(48);
    const csrfToken = randomToken(32);
    await this.store.sessions.create({ workspaceId: member.workspaceId, memberId: member.id, secret: sessionSecret, csrfToken, expiresAt: Date.now() + SESSION_TTL_MS, ip, userAgent: userAgent ?? null });
    return { member, sessionSecret, csrfToken, pendingPolicy: await this.pendingPolicy(member) };
  }

  /** First start: the setup link creates the owner's console account in the link's workspace. */
  async setup(secret: string, input: { email: string; name: string; password: string }, ip: string, userAgent?: string): Promise<LoginResult> {
    checkPasswordStrength(input.password);
    const link = await this.store.sessions.consumeLink(secret, 'setup', Date.now());
    if (!link) throw new SluiceError('invalid_link', 'This setup link is unknown, already used or expired. An owner API token can invite members instead (POST /api/v1/members).');
    if (await this.store.members.byEmail(link.workspaceId, input.email)) throw new SluiceError('email_taken', `A member with ${input.email} already exists in this workspace.`);
    const member = await this.store.members.create({ workspaceId: link.workspaceId, email: input.email, name: input.name, role: 'owner', status: 'active', passwordHash: await hashPassword(input.password) });
    await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.setup', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip, after: { role: 'owner' } });
    return this.openSession(member, ip, userAgent);
  }

  async acceptInvite(secret: string, input: { password: string; name?: string }, ip: string, userAgent?: string): Promise<LoginResult> {
    checkPasswordStrength(input.password);
    // A suspended invitee stays out: checked before the link is spent, so it works again once restored.
    const pending = await this.store.sessions.peekLink(secret, 'invite', Date.now());
    const invitee = pending?.memberId ? await this.store.members.get(pending.workspaceId, pending.memberId) : undefined;
    if (invitee?.status === 'suspended') {
      throw new SluiceError('account_suspended', 'An owner or admin suspended this invitation; once they restore it, this link works again.');
    }
    const link = await this.store.sessions.consumeLink(secret, 'invite', Date.now());
    if (!link?.memberId) throw new SluiceError('invalid_link', 'This invitation is unknown, already used or expired; ask for a new one.');
    const member = await this.store.members.update(link.workspaceId, link.memberId, { status: 'active', passwordHash: await hashPassword(input.password), ...(input.name !== undefined && { name: input.name }) });
    if (!member) throw new SluiceError('invalid_link', 'The invited member was removed; ask for a new invitation.');
    await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.accept_invite', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip });
    return this.openSession(member, ip, userAgent);
  }

  async resetPassword(secret: string, password: string, ip: string, factor: SecondFactor = {}, userAgent?: string): Promise<LoginResult> {
    checkPasswordStrength(password);
    const now = Date.now();
    const wait = this.throttle.retryAfterSeconds(ip, now);
    if (wait > 0) throw new SluiceError('login_rate_limited', `Too many failed attempts from your address; try again in ${wait} s.`, { retryAfterSeconds: wait });
    // A reset link alone does not pass a second factor: check it before the link is spent.
    const pending = await this.store.sessions.peekLink(secret, 'password_reset', now);
    const holder = pending?.memberId ? await this.store.members.get(pending.workspaceId, pending.memberId) : undefined;
    if (holder) await this.requireSecondFactor(holder, factor, ip, now, false);
    const link = await this.store.sessions.consumeLink(secret, 'password_reset', Date.now());
    if (!link?.memberId) throw new SluiceError('invalid_link', 'This reset link is unknown, already used or expired; ask an owner or admin for a new one.');
    const current = await this.store.members.get(link.workspaceId, link.memberId);
    if (!current || current.status === 'suspended') throw new SluiceError('invalid_link', 'This account is suspended or removed.');
    const member = (await this.store.members.update(link.workspaceId, link.memberId, { passwordHash: await hashPassword(password), mustResetPassword: false, failedLogins: 0, lockedUntil: null, ...(current.status === 'invited' && { status: 'active' }) }))!;
    await this.store.sessions.revokeAllOf(member.workspaceId, member.id);
    await this.audit.record({ workspaceId: member.workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.password_reset', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip });
    return this.openSession(member, ip, userAgent);
  }

  /**
   * A member changes their password: every other session of theirs ends (whoever else knew the old password is
   * logged out); `keepSessionId`, the session the change was made in, stays.
   */
  async changePassword(workspaceId: string, memberId: string, current: string | undefined, next: string, ip: string, keepSessionId?: string): Promise<void> {
    checkPasswordStrength(next);
    const member = await this.store.members.get(workspaceId, memberId);
    if (!member) throw new SluiceError('not_found', 'No such member.');
    const hash = await this.store.members.passwordHash(workspaceId, memberId);
    if (hash !== null && !member.mustResetPassword && (current === undefined || !(await verifyPassword(current, hash)))) {
      throw new SluiceError('invalid_credentials', 'The current password is wrong (send currentPassword).');
    }
    await this.store.members.update(workspaceId, memberId, { passwordHash: await hashPassword(next), mustResetPassword: false });
    const otherLoginsEnded = await this.store.sessions.revokeAllOf(workspaceId, memberId, keepSessionId);
    await this.audit.record({ workspaceId, actor: `member:${member.id} (${member.email})`, action: 'member.password_change', resourceType: 'member', resourceId: member.id, resourceName: member.email, ip, after: { otherLoginsEnded } });
  }

  /**
   * An owner/admin invites a member: the invitation link (at the configured public URL) is emailed to them;
   * returns the one-time secret too, and whether the email went out. Inviting again someone who has not accepted
   * yet (a lost or expired link) sends a new link with the name and role given now; their earlier links stop working.
   * Changing an invited member's role or email (`PATCH /members/:id`) invites them again this way, so the invitation
   * they hold names the role they get when they join, at the address they read.
   */
  async invite(ctx: ActorContext, input: { email: string; name: string; role: RoleName }): Promise<{ member: Member; secret: string; email: EmailOutcome }> {
    if (!roleCovers(ctx.role, input.role)) throw new SluiceError('role_too_high', `Your role (${ctx.role}) may not grant the ${input.role} role.`);
    const existing = await this.store.members.byEmail(ctx.workspaceId, input.email);
    if (existing && existing.status !== 'invited') {
      throw new SluiceError('email_taken', `A member with ${input.email} already exists in this workspace (${existing.status}, ${existing.role}); change their role on the members list instead.`);
    }
    if (existing && !roleCovers(ctx.role, existing.role)) throw new SluiceError('role_too_high', `Your role (${ctx.role}) may not manage a member whose role is ${existing.role}.`);
    if (existing) await this.store.sessions.invalidateLinks(ctx.workspaceId, existing.id, Date.now());
    const member = existing
      ? (await this.store.members.update(ctx.workspaceId, existing.id, { name: input.name, role: input.role }))!
      : await this.store.members.create({ workspaceId: ctx.workspaceId, email: input.email, name: input.name, role: input.role, status: 'invited' });
    const secret = await this.createLink(ctx.workspaceId, member.id, 'invite');
    const workspaceName = await this.workspaceName(ctx.workspaceId);
    const invitedBy = /\(([^)]+)\)$/.exec(ctx.actor)?.[1] ?? 'An administrator';
    const email = await this.sendEmail(invitationEmail({ to: member.email, workspaceId: member.workspaceId, workspaceName, role: member.role, invitedBy, link: accountLink(this.mail.publicUrl, 'invite', secret), replacesEarlier: existing !== undefined }));
    await this.audit.record({
      ...ctx,
      action: 'member.invite',
      resourceType: 'member',
      resourceId: member.id,
      resourceName: member.email,
      ...(existing && { before: { email: existing.email, name: existing.name, role: existing.role } }),
      after: { email: member.email, name: member.name, role: member.role, emailSent: email.sent },
    });
    return { member, secret, email };
  }

  /**
   * An owner/admin requires a new password: ends the member's sessions, unlocks the account, and emails a
   * one-time reset link (returned too). The member's API tokens are refused (`password_reset_required`, see
   * `checkPermission`) until the new password is set; the audit entry counts them (`apiAccessPaused`; a key naming tokens would be redacted).
   */
  async requirePasswordReset(ctx: Omit<ActorContext, 'role'>, member: Member): Promise<{ member: Member; secret: string; email: EmailOutcome }> {
    await this.store.sessions.revokeAllOf(member.workspaceId, member.id);
    const updated = (await this.store.members.update(member.workspaceId, member.id, { mustResetPassword: true, lockedUntil: null, failedLogins: 0 }))!;
    const secret = await this.createLink(member.workspaceId, member.id, 'password_reset');
    const workspaceName = await this.workspaceName(member.workspaceId);
    const email = await this.sendEmail(passwordResetEmail({ to: member.email, workspaceId: member.workspaceId, workspaceName, requestedBy: 'administrator', link: accountLink(this.mail.publicUrl, 'password_reset', secret) }));
    const now = Date.now();
    const apiAccessPaused = (await this.store.tokens.list(member.workspaceId)).filter((t) => t.memberId === member.id && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now)).length;
    await this.audit.record({ ...ctx, action: 'member.require_password_reset', resourceType: 'member', resourceId: member.id, resourceName: member.email, after: { emailSent: email.sent, apiAccessPaused } });
    return { member: updated, secret, email };
  }

  /**
   * "Forgot my password": emails a reset link to every active member with this email (in `workspaceId` when
   * given). Says nothing about whether the email is known; at most one email a minute per member, and
   * at most 10 requests per 10 minutes per address.
   */
  async requestPasswordReset(input: { email: string; workspaceId?: string }, ip: string): Promise<void> {
    const now = Date.now();
    const wait = this.resetRequests.retryAfterSeconds(ip, now);
    if (wait > 0) throw new SluiceError('login_rate_limited', `Too many password-reset requests from your address; try again in ${wait} s.`, { retryAfterSeconds: wait });
    this.resetRequests.fail(ip, now);
    const members = (await this.store.members.withEmail(input.email))
      .map((c) => c.member)
      .filter((m) => m.status === 'active' && (input.workspaceId === undefined || m.workspaceId === input.workspaceId));
    for (const member of members) {
      const key = `${member.workspaceId}/${member.id}`;
      if ((this.lastResetEmail.get(key) ?? 0) > now - RESET_EMAIL_INTERVAL_MS) continue;
      if (this.lastResetEmail.size > 10_000) this.lastResetEmail.clear();
      this.lastResetEmail.set(key, now);
      const secret = await this.createLink(member.workspaceId, member.id, 'password_reset');
      const workspaceName = await this.workspaceName(member.workspaceId);
      const email = await this.sendEmail(passwordResetEmail({ to: member.email, workspaceId: member.workspaceId, workspaceName, requestedBy: 'self', link: accountLink(this.mail.publicUrl, 'password_reset', secret) }));
      await this.audit.record({ workspaceId: member.workspaceId, actor: 'anonymous', ip, action: 'member.password_reset_requested', resourceType: 'member', resourceId: member.id, resourceName: member.email, after: { emailSent: email.sent } });
    }
  }

  /** Refuses a change that would leave the workspace without an active owner. */
  async ensureOwnerRemains(member: Member, change: { role?: RoleName; status?: string; removed?: boolean }): Promise<void> {
    if (member.role !== 'owner' || member.status !== 'active') return;
    const demoted = change.removed === true || (change.role !== undefined && change.role !== 'owner') || (change.status !== undefined && change.status !== 'active');
    if (demoted && (await this.store.members.countActiveOwners(member.workspaceId)) <= 1) {
      throw new SluiceError('last_owner', 'This is the last active owner of the workspace; make another member owner first.');
    }
  }

  /** Everything Sluice keeps about a member's account (for the member, or their administrator). */
  async exportAccount(workspaceId: string, memberId: string) {
    const member = await this.store.members.get(workspaceId, memberId);
    if (!member) throw new SluiceError('not_found', `No member ${memberId} in this workspace.`);
    const tokens = (await this.store.tokens.list(workspaceId)).filter((t) => t.memberId === memberId);
    const sessions = await this.store.sessions.listOf(workspaceId, memberId);
    const acceptances = await this.store.policies.acceptances(workspaceId, { memberId });
    const activity = await this.store.audit.query({ workspaceId, actorPrefix: `member:${memberId} `, limit: 1000 });
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      exportedAt: new Date().toISOString(),
      account: memberView(member),
      twoFactor: await this.twoFactor.status(member),
      apiTokens: tokens.map((t) => ({ id: t.id, name: t.name, role: t.role, createdAt: iso(t.createdAt), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt) })),
      sessions: sessions.map((s) => ({ id: s.id, createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt), lastUsedAt: iso(s.lastUsedAt), ip: s.ip, userAgent: s.userAgent })),
      policyAcceptances: acceptances.map((a) => ({ policyVersionId: a.policyVersionId, acceptedAt: iso(a.acceptedAt), ip: a.ip })),
      activity: activity.map((e) => ({ at: iso(e.at), action: e.action, resourceType: e.resourceType, resourceId: e.resourceId, ip: e.ip })),
    };
  }

  /** Removes a member: sessions, their tokens and pending links end with them. */
  async removeMember(ctx: Omit<ActorContext, 'role'>, member: Member, action: 'member.remove' | 'member.delete_self'): Promise<void> {
    await this.ensureOwnerRemains(member, { removed: true });
    const now = Date.now();
    let tokensRevoked = 0;
    for (const token of await this.store.tokens.list(member.workspaceId)) {
      if (token.memberId === member.id && token.revokedAt === null && (await this.store.tokens.revoke(member.workspaceId, token.id, now))) tokensRevoked += 1;
    }
    const sessionsEnded = await this.store.sessions.revokeAllOf(member.workspaceId, member.id);
    await this.store.sessions.invalidateLinks(member.workspaceId, member.id, now);
    await this.store.twoFactor.remove(member.workspaceId, member.id);
    await this.store.policies.deleteAcceptancesOf(member.workspaceId, member.id);
    await this.store.members.delete(member.workspaceId, member.id);
    // The email names who was removed: the member (and GET /members/:id) are gone after this. Their tokens' revocation
    // is told here (no token.revoke entry is written for each), as the sessions ended (key names the redaction of
    // credential-named fields leaves readable, as apiAccessPaused of member.require_password_reset).
    await this.audit.record({ ...ctx, action, resourceType: 'member', resourceId: member.id, resourceName: member.email, before: { role: member.role, status: member.status }, after: { apiAccessRevoked: tokensRevoked, consoleLoginsEnded: sessionsEnded } });
  }

  /** The newest material policy version in force that this member has not accepted. */
  async pendingPolicy(member: Member): Promise<PolicyVersion | undefined> {
    const now = Date.now();
    const material = (await this.store.policies.list(member.workspaceId)).find((p) => p.material && p.effectiveAt <= now);
    if (!material) return undefined;
    const accepted = await this.store.policies.acceptances(member.workspaceId, { memberId: member.id, policyVersionId: material.id });
    return accepted.length > 0 ? undefined : material;
  }
}
