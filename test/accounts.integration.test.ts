import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { inviteMember, joinedMember, type MemberView } from './support/members.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const OWNER_PASSWORD = 'correct horse battery staple';
type Member = MemberView;

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const invite = (email: string, role: string, by?: string) => inviteMember(sluice, email, role, by);
const member = (email: string, role: string, password?: string) => joinedMember(sluice, email, role, password);

describe('first start and console sessions', () => {
  it('sets up the owner with the one-time link printed at first start, once', async () => {
    const setupToken = sluice.bootstrap.setupToken!;
    expect(setupToken).toMatch(/^[A-Za-z0-9]{40}$/);
    const owner = new ConsoleClient(sluice.url);
    const res = await owner.call<{ member: Member }>('POST', '/auth/setup', { token: setupToken, email: 'Owner@Example.com', name: 'Olive Owner', password: OWNER_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ email: 'owner@example.com', role: 'owner', status: 'active' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/sluice_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    const again = await new ConsoleClient(sluice.url).call('POST', '/auth/setup', { token: setupToken, email: 'x@example.com', name: 'X', password: OWNER_PASSWORD });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: 'invalid_link' } });
    // The bootstrap API token keeps working.
    expect((await api(sluice.url, 'GET', '/sources', { token: sluice.token })).status).toBe(200);
  });

  it('authenticates admin routes with the session cookie; writes need the CSRF header', async () => {
    const owner = new ConsoleClient(sluice.url);
    await owner.login('owner@example.com', OWNER_PASSWORD);
    expect((await owner.call('GET', '/sources')).status).toBe(200);
    const noCsrf = await owner.call('POST', '/sources', { name: 'From console' }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toMatchObject({ error: { code: 'csrf_failed' } });
    const withCsrf = await owner.call<{ id: string }>('POST', '/sources', { name: 'From console' });
    expect(withCsrf.status).toBe(201);
    const [entry] = (await api<{ entries: { actor: string }[] }>(sluice.url, 'GET', `/audit-log?resourceId=${withCsrf.body.id}`, { token: sluice.token })).body.entries;
    expect(entry?.actor).toMatch(/^member:mem_\w+ \(owner@example.com\)$/);
    expect((await owner.call('POST', '/auth/logout')).status).toBe(204);
    expect((await owner.call('GET', '/sources')).status).toBe(401);
  });

  it("tells the caller what its role may do (GET /auth/session and /me), so the console offers only that", async () => {
    const { client: viewer } = await member('reader@example.com', 'viewer');
    const viewerPermissions = ['workspace:read', 'sources:read', 'destinations:read', 'events:read', 'profiles:read', 'metrics:read', 'account:self'];
    const session = await viewer.call<{ role: string; permissions: string[] }>('GET', '/auth/session');
    expect(session.body).toMatchObject({ role: 'viewer', permissions: viewerPermissions });
    expect((await viewer.call<{ permissions: string[] }>('GET', '/me')).body.permissions).toEqual(viewerPermissions);

    const { client: privacy } = await member('dpo@example.com', 'privacy');
    const privacyPermissions = (await privacy.call<{ permissions: string[] }>('GET', '/me')).body.permissions;
    expect(privacyPermissions).toEqual(expect.arrayContaining(['privacy:read', 'privacy:write', 'members:read', 'audit:read', 'pii_access']));
    expect(privacyPermissions).not.toContain('members:write');

    // The owner token: every permission, installation:admin included.
    const owner = await api<{ permissions: string[] }>(sluice.url, 'GET', '/auth/session', { token: sluice.token });
    expect(owner.body.permissions).toEqual(expect.arrayContaining(['members:write', 'tokens:write', 'installation:admin']));
  });

  it("ends a member's other sessions when they change their password, and keeps the one they changed it in", async () => {
    const { client: laptop, member: m } = await member('rotating@example.com', 'engineer', 'the old password');
    const phone = new ConsoleClient(sluice.url);
    await phone.login('rotating@example.com', 'the old password');
    expect((await phone.call('GET', '/sources')).status).toBe(200);

    expect((await laptop.call('POST', '/me/password', { currentPassword: 'the old password', newPassword: 'the new password' })).status).toBe(204);
    expect((await laptop.call('GET', '/sources')).status).toBe(200);
    expect((await phone.call('GET', '/sources')).status).toBe(401);
    await phone.login('rotating@example.com', 'the new password');
    const [entry] = (await api<{ entries: { after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.password_change&resourceId=${m.id}`, { token: sluice.token })).body.entries;
    expect(entry?.after).toEqual({ otherLoginsEnded: 1 });
  });

  it('keeps a member who must set a new password out of /metrics too, as out of the admin API', async () => {
    const { member: m } = await member('must-reset@example.com', 'engineer', 'the first password');
    await api(sluice.url, 'POST', `/members/${m.id}/require-password-reset`, { token: sluice.token });
    const client = new ConsoleClient(sluice.url);
    await client.login('must-reset@example.com', 'the first password');
    expect((await client.call('GET', '/sources')).body).toMatchObject({ error: { code: 'password_reset_required' } });
    const metrics = await fetch(`${sluice.url}/metrics`, { headers: { cookie: client.cookie! } });
    expect(metrics.status).toBe(403);
    expect(await metrics.json()).toMatchObject({ error: { code: 'password_reset_required' } });
    expect((await client.call('POST', '/me/password', { newPassword: 'the second password' })).status).toBe(204);
    expect((await fetch(`${sluice.url}/metrics`, { headers: { cookie: client.cookie! } })).status).toBe(200);
  });

  it('locks an account after 5 wrong passwords, even for the right one, until a reset', async () => {
    const { member: m } = await member('locky@example.com', 'viewer', 'the right password');
    const client = new ConsoleClient(sluice.url);
    for (let i = 0; i < 5; i++) {
      const wrong = await client.call('POST', '/auth/login', { email: 'locky@example.com', password: `wrong password ${i}` });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    }
    const locked = await client.call('POST', '/auth/login', { email: 'locky@example.com', password: 'the right password' });
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ error: { code: 'account_locked' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    const reset = await api<{ resetToken: string; member: Member }>(sluice.url, 'POST', `/members/${m.id}/require-password-reset`, { token: sluice.token });
    expect(reset.body.member.mustResetPassword).toBe(true);
    const after = await client.call<{ mustResetPassword: boolean }>('POST', '/auth/reset-password', { token: reset.body.resetToken, password: 'a brand new password' });
    expect(after.status).toBe(200);
    expect(after.body.mustResetPassword).toBe(false);
    await client.login('locky@example.com', 'a brand new password');
  });
});

describe('organisation-administered accounts', () => {
  it('invites, limits roles to the inviter\'s, suspends and restores, and locks profile editing', async () => {
    const { client: admin, member: adminMember } = await member('admin@example.com', 'admin');
    const tooHigh = await admin.call('POST', '/members', { email: 'boss@example.com', name: 'Boss', role: 'owner' });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body).toMatchObject({ error: { code: 'role_too_high' } });
    const { client: eng, member: engineer } = await member('eng@example.com', 'engineer');
    expect((await eng.call('GET', '/sources')).status).toBe(200);

    const suspended = await admin.call<Member>('POST', `/members/${engineer.id}/suspend`);
    expect(suspended.body.status).toBe('suspended');
    expect((await eng.call('GET', '/sources')).status).toBe(401);
    const twice = await admin.call('POST', `/members/${engineer.id}/suspend`);
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('already suspended') } });
    expect((await api<{ entries: unknown[] }>(sluice.url, 'GET', `/audit-log?action=member.suspend&resourceId=${engineer.id}`, { token: sluice.token })).body.entries).toHaveLength(1);
    const login = await new ConsoleClient(sluice.url).call('POST', '/auth/login', { email: 'eng@example.com', password: 'a long enough password' });
    expect(login.body).toMatchObject({ error: { code: 'account_suspended' } });
    expect((await admin.call<Member>('POST', `/members/${engineer.id}/restore`)).body.status).toBe('active');
    await eng.login('eng@example.com', 'a long enough password');

    expect((await eng.call<Member>('PATCH', '/me', { name: 'Eng Ineer' })).status).toBe(200);
    const locked = await admin.call<Member>('PATCH', `/members/${engineer.id}`, { profileLocked: true, email: 'engineer@example.com' });
    expect(locked.body).toMatchObject({ profileLocked: true, email: 'engineer@example.com' });
    const refused = await eng.call('PATCH', '/me', { name: 'Nope' });
    expect(refused.body).toMatchObject({ error: { code: 'profile_locked' } });

    const exported = await admin.call<{ account: Member; activity: unknown[] }>('GET', `/members/${engineer.id}/export`);
    expect(exported.body.account.email).toBe('engineer@example.com');
    expect(exported.body.activity.length).toBeGreaterThan(0);
    const suspendOwner = await admin.call('POST', `/members/${adminMember.id}/suspend`);
    expect(suspendOwner.status).toBe(200); // an admin may suspend an admin (itself included)

    // Who was removed stays readable in the audit log once the member is gone, with what the removal revoked.
    // (An engineer may not create tokens now; one made while they were an admin, say.)
    await sluice.store.tokens.create({ workspaceId: sluice.bootstrap.workspaceId, name: 'eng script', secret: 'eng-script-secret-0123456789', role: 'engineer', memberId: engineer.id });
    expect((await api(sluice.url, 'GET', '/sources', { token: 'eng-script-secret-0123456789' })).status).toBe(200);
    expect((await api(sluice.url, 'DELETE', `/members/${engineer.id}`, { token: sluice.token })).status).toBe(204);
    expect((await api(sluice.url, 'GET', '/sources', { token: 'eng-script-secret-0123456789' })).status).toBe(401);
    expect((await api(sluice.url, 'GET', `/members/${engineer.id}`, { token: sluice.token })).status).toBe(404);
    const [removal] = (await api<{ entries: { resourceName?: string; before?: unknown; after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.remove&resourceId=${engineer.id}`, { token: sluice.token })).body.entries;
    expect(removal).toMatchObject({ resourceName: 'engineer@example.com', before: { role: 'engineer', status: 'active' }, after: { apiAccessRevoked: 1, consoleLoginsEnded: 1 } });
  });

  it('invites again someone who has not accepted yet (a lost link): a new link, the old one void; a joined member is email_taken', async () => {
    const first = await invite('Slow.Joiner@example.com', 'viewer');
    const again = await api<{ member: Member & { name: string }; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'slow.joiner@example.com', name: 'Slow Joiner', role: 'engineer' } });
    expect(again.status, again.text).toBe(201);
    expect(again.body.member).toMatchObject({ id: first.member.id, email: 'slow.joiner@example.com', name: 'Slow Joiner', role: 'engineer', status: 'invited' });
    const members = (await api<{ members: Member[] }>(sluice.url, 'GET', '/members', { token: sluice.token })).body.members;
    expect(members.filter((m) => m.email === 'slow.joiner@example.com')).toHaveLength(1);

    const client = new ConsoleClient(sluice.url);
    const old = await client.call('POST', '/auth/accept-invite', { token: first.inviteToken, password: 'a long enough password' });
    expect(old.body).toMatchObject({ error: { code: 'invalid_link' } });
    const accepted = await client.call<{ member: Member }>('POST', '/auth/accept-invite', { token: again.body.inviteToken, password: 'a long enough password' });
    expect(accepted.body.member).toMatchObject({ status: 'active', role: 'engineer' });
    const [entry] = (await api<{ entries: { before?: unknown; after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.invite&resourceId=${first.member.id}&limit=1`, { token: sluice.token })).body.entries;
    expect(entry).toMatchObject({ before: { role: 'viewer' }, after: { role: 'engineer', name: 'Slow Joiner' } });

    const joined = await api<{ error: { code: string; message: string } }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'slow.joiner@example.com', name: 'X', role: 'viewer' } });
    expect(joined.status).toBe(409);
    expect(joined.body.error).toMatchObject({ code: 'email_taken', message: expect.stringContaining('(active, engineer)') });
  });

  it("voids the links sent to a member's old email when the email is corrected (a mistyped invitation)", async () => {
    const typo = await invite('dana@exmaple.com', 'admin');
    const fixed = await api<Member>(sluice.url, 'PATCH', `/members/${typo.member.id}`, { token: sluice.token, body: { email: 'dana@example.com' } });
    expect(fixed.body.email).toBe('dana@example.com');
    // The invitation goes out again, to the corrected address (the mistyped one's link is void).
    expect((fixed.body as Member & { invitation?: { inviteToken: string } }).invitation?.inviteToken).toEqual(expect.any(String));
    const stranger = await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: typo.inviteToken, password: 'a long enough password' });
    expect(stranger.status).toBe(400);
    expect(stranger.body).toMatchObject({ error: { code: 'invalid_link' } });
    expect((await api<Member>(sluice.url, 'GET', `/members/${typo.member.id}`, { token: sluice.token })).body).toMatchObject({ status: 'invited', hasPassword: false });
    // Invited again at the right address, Dana joins.
    const again = await invite('dana@example.com', 'admin');
    const dana = new ConsoleClient(sluice.url);
    expect((await dana.call('POST', '/auth/accept-invite', { token: again.inviteToken, password: 'a long enough password' })).status).toBe(200);

    // The same for a reset link, when the member changes their own email.
    const reset = await api<{ resetToken: string }>(sluice.url, 'POST', `/members/${typo.member.id}/require-password-reset`, { token: sluice.token });
    await dana.login('dana@example.com', 'a long enough password');
    expect((await dana.call('POST', '/me/password', { newPassword: 'dana chose this one' })).status).toBe(204);
    expect((await dana.call<Member>('PATCH', '/me', { email: 'dana@new.example.com' })).status).toBe(200);
    const late = await new ConsoleClient(sluice.url).call('POST', '/auth/reset-password', { token: reset.body.resetToken, password: 'someone else sets it' });
    expect(late.body).toMatchObject({ error: { code: 'invalid_link' } });
  });

  it('refuses an invitation to something that is not an email address in words, not as a regular expression', async () => {
    const res = await api<{ error: { code: string; message: string } }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'ada at example.com', name: 'Ada', role: 'viewer' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', message: 'Invalid request: email must be an email address, such as ada@example.com (one @, no spaces).' });
  });

  it('refuses a password reset of a member who has not joined yet, naming the new invitation they need', async () => {
    const invited = await invite('not-joined@example.com', 'viewer');
    const sentTo = async () => (await api<{ messages: { to: string; subject: string }[] }>(sluice.url, 'GET', '/outbox', { token: sluice.token })).body.messages.filter((m) => m.to === 'not-joined@example.com').map((m) => m.subject);
    const before = await sentTo();
    expect(before).toHaveLength(1);
    const refused = await api<{ error: { code: string; message: string } }>(sluice.url, 'POST', `/members/${invited.member.id}/require-password-reset`, { token: sluice.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('has not accepted their invitation yet') });
    expect(refused.body.error.message).toContain('POST /api/v1/members');
    // No "choose a new password" email went out, and the invitation still works.
    expect(await sentTo()).toEqual(before);
    expect((await api<Member>(sluice.url, 'GET', `/members/${invited.member.id}`, { token: sluice.token })).body).toMatchObject({ status: 'invited', mustResetPassword: false });
    const accepted = await new ConsoleClient(sluice.url).call<{ member: Member }>('POST', '/auth/accept-invite', { token: invited.inviteToken, password: 'a long enough password' });
    expect(accepted.status).toBe(200);

    // Suspended before joining: restore first.
    const suspended = await invite('not-joined-suspended@example.com', 'viewer');
    await api(sluice.url, 'POST', `/members/${suspended.member.id}/suspend`, { token: sluice.token });
    const refusedSuspended = await api<{ error: { code: string; message: string } }>(sluice.url, 'POST', `/members/${suspended.member.id}/require-password-reset`, { token: sluice.token });
    expect(refusedSuspended.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(`/members/${suspended.member.id}/restore`) });
  });

  it('keeps a suspended invitee out: their invitation link is refused until they are restored', async () => {
    const invited = await invite('suspended-invitee@example.com', 'viewer');
    expect((await api<Member>(sluice.url, 'POST', `/members/${invited.member.id}/suspend`, { token: sluice.token })).body.status).toBe('suspended');
    const client = new ConsoleClient(sluice.url);
    const refused = await client.call('POST', '/auth/accept-invite', { token: invited.inviteToken, password: 'a long enough password' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'account_suspended', message: expect.stringContaining('restore') } });
    expect((await api<Member>(sluice.url, 'GET', `/members/${invited.member.id}`, { token: sluice.token })).body).toMatchObject({ status: 'suspended', hasPassword: false });
    expect((await client.call('GET', '/sources')).status).toBe(401);

    // Restored, the same link works.
    expect((await api<Member>(sluice.url, 'POST', `/members/${invited.member.id}/restore`, { token: sluice.token })).body.status).toBe('invited');
    const accepted = await client.call<{ member: Member }>('POST', '/auth/accept-invite', { token: invited.inviteToken, password: 'a long enough password' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.member.status).toBe('active');
  });

  it('lets a member export their data, opt out of product emails and delete their account, but not the last owner', async () => {
    const { client } = await member('leaver@example.com', 'viewer');
    expect((await client.call<Member>('PUT', '/me/preferences', { productEmails: false })).body).toMatchObject({ productEmailsOptOut: true, deliveryAlertEmailsOptOut: false });
    // Each preference on its own: the other one stays as it was.
    expect((await client.call<Member>('PUT', '/me/preferences', { deliveryAlertEmails: false })).body).toMatchObject({ productEmailsOptOut: true, deliveryAlertEmailsOptOut: true });
    expect((await client.call<Member>('GET', '/me')).body).toMatchObject({ member: { deliveryAlertEmailsOptOut: true } });
    const empty = await client.call('PUT', '/me/preferences', {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('send productEmails, deliveryAlertEmails or both') } });
    const mine = await client.call<{ account: Member }>('GET', '/me/export');
    expect(mine.body.account.email).toBe('leaver@example.com');
    expect((await client.call('DELETE', '/me')).status).toBe(204);
    expect((await client.call('GET', '/me')).status).toBe(401);

    const owner = new ConsoleClient(sluice.url);
    await owner.login('owner@example.com', OWNER_PASSWORD);
    const last = await owner.call('DELETE', '/me');
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ error: { code: 'last_owner' } });
  });

  it('shows a material policy change at the next login and records the acceptance', async () => {
    const published = await api<{ id: string; version: number }>(sluice.url, 'POST', '/policy-versions', { token: sluice.token, body: { url: 'https://example.com/privacy', material: true } });
    expect(published.status).toBe(201);
    const owner = new ConsoleClient(sluice.url);
    const login = (await owner.login('owner@example.com', OWNER_PASSWORD)) as { pendingPolicy?: { id: string } };
    expect(login.pendingPolicy?.id).toBe(published.body.id);
    expect((await owner.call('POST', '/me/policy-acceptances', { policyVersionId: published.body.id })).status).toBe(201);
    const again = (await owner.login('owner@example.com', OWNER_PASSWORD)) as { pendingPolicy?: unknown };
    expect(again.pendingPolicy).toBeUndefined();
    const acceptances = await api<{ acceptances: { memberId: string }[] }>(sluice.url, 'GET', `/policy-versions/${published.body.id}/acceptances`, { token: sluice.token });
    expect(acceptances.body.acceptances).toHaveLength(1);
  });
});
