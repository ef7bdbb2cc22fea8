import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { joinedMember, type MemberView } from './support/members.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

// API tokens of members and of the installation (split from accounts.integration.test.ts).
let sluice: TestSluice;
type Member = MemberView;

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const member = (email: string, role: string, password?: string) => joinedMember(sluice, email, role, password);

describe('API tokens', () => {
  it('creates tokens no higher than the creator, shows the secret once, records use, and revokes', async () => {
    const { client: eng } = await member('tok-eng@example.com', 'engineer');
    expect((await eng.call('POST', '/tokens', { name: 'x', role: 'viewer' })).status).toBe(403); // engineers lack tokens:write
    const admin = (await member('tok-admin@example.com', 'admin')).client;
    const created = await admin.call<{ id: string; token: string; role: string; memberId: string }>('POST', '/tokens', { name: 'CI', role: 'engineer' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^sl_/);
    expect((await admin.call('POST', '/tokens', { name: 'x', role: 'owner' })).body).toMatchObject({ error: { code: 'role_too_high' } });
    expect((await api(sluice.url, 'GET', '/sources', { token: created.body.token })).status).toBe(200);
    const listed = await api<{ tokens: { id: string; lastUsedAt: string | null }[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token });
    expect(listed.text).not.toContain(created.body.token);
    expect(listed.body.tokens.find((t) => t.id === created.body.id)?.lastUsedAt).not.toBeNull();
    expect((await admin.call('DELETE', `/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api(sluice.url, 'GET', '/sources', { token: created.body.token })).status).toBe(401);
    // Again (a double click, a retried script): nothing changes, and the audit log keeps the one revocation.
    const revokedAt = (await api<{ tokens: { id: string; revokedAt: string | null }[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token })).body.tokens.find((t) => t.id === created.body.id)?.revokedAt;
    expect((await admin.call('DELETE', `/tokens/${created.body.id}`)).status).toBe(204);
    const after = (await api<{ tokens: { id: string; revokedAt: string | null }[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token })).body.tokens.find((t) => t.id === created.body.id)?.revokedAt;
    expect(after).toBe(revokedAt);
    const revocations = await api<{ entries: unknown[] }>(sluice.url, 'GET', `/audit-log?action=token.revoke&resourceId=${created.body.id}`, { token: sluice.token });
    expect(revocations.body.entries).toHaveLength(1);
  });

  it('refuses an admin revoking an owner\'s token (role_too_high), as for creating one; owners revoke any token', async () => {
    const admin = (await member('tok-admin-revoke@example.com', 'admin')).client;
    const tokens = await api<{ tokens: { id: string; name: string; role: string }[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token });
    const ownerToken = tokens.body.tokens.find((t) => t.name === 'Owner bootstrap token')!; // sluice.token
    expect(ownerToken.role).toBe('owner');
    const refused = await admin.call<{ error: { code: string; message: string } }>('DELETE', `/tokens/${ownerToken.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('role_too_high');
    expect(refused.body.error.message).toContain('owner');
    expect((await api(sluice.url, 'GET', '/sources', { token: sluice.token })).status).toBe(200);
    const revocations = await api<{ entries: unknown[] }>(sluice.url, 'GET', `/audit-log?action=token.revoke&resourceId=${ownerToken.id}`, { token: sluice.token });
    expect(revocations.body.entries).toEqual([]);

    const own = await admin.call<{ id: string; token: string }>('POST', '/tokens', { name: 'mine', role: 'admin' });
    expect((await admin.call('DELETE', `/tokens/${own.body.id}`)).status).toBe(204);
    const adminToken = await api<{ id: string; token: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'an admin\'s', role: 'admin' } });
    expect((await api(sluice.url, 'DELETE', `/tokens/${adminToken.body.id}`, { token: sluice.token })).status).toBe(204);
    expect((await api(sluice.url, 'GET', '/sources', { token: adminToken.body.token })).status).toBe(401);
  });

  it("lets a member's lower-role token read their account but not change it (no account takeover through a dashboard's token)", async () => {
    const { client: admin, member: adminMember } = await member('tok-self@example.com', 'admin');
    const viewerToken = (await admin.call<{ token: string }>('POST', '/tokens', { name: 'wall dashboard', role: 'viewer' })).body.token;
    expect((await api<{ member: Member }>(sluice.url, 'GET', '/me', { token: viewerToken })).body.member.email).toBe('tok-self@example.com');
    expect((await api(sluice.url, 'GET', '/me/two-factor', { token: viewerToken })).status).toBe(200);

    const changes: [string, string, unknown][] = [
      ['PATCH', '/me', { email: 'someone-else@example.com' }],
      ['PUT', '/me/preferences', { deliveryAlertEmails: false }],
      ['POST', '/me/password', { currentPassword: 'a long enough password', newPassword: 'another long password' }],
      ['POST', '/me/two-factor', undefined],
      ['POST', '/me/two-factor/disable', { code: '123456' }],
      ['DELETE', '/me', undefined],
    ];
    for (const [method, path, body] of changes) {
      const refused = await api<{ error: { code: string; message: string } }>(sluice.url, method, path, { token: viewerToken, ...(body !== undefined && { body }) });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe('role_too_high');
      expect(refused.body.error.message).toContain('Log in to the console');
    }
    const unchanged = await api<Member & { deliveryAlertEmailsOptOut: boolean }>(sluice.url, 'GET', `/members/${adminMember.id}`, { token: sluice.token });
    expect(unchanged.body).toMatchObject({ email: 'tok-self@example.com', status: 'active', deliveryAlertEmailsOptOut: false });
    expect((await api<{ enabled: boolean; pending: boolean }>(sluice.url, 'GET', '/me/two-factor', { token: viewerToken })).body).toMatchObject({ enabled: false, pending: false });

    // A token with the member's whole role, and the console session, still change the account.
    const adminToken = (await admin.call<{ token: string }>('POST', '/tokens', { name: 'my script', role: 'admin' })).body.token;
    expect((await api<Member & { name: string }>(sluice.url, 'PATCH', '/me', { token: adminToken, body: { name: 'Renamed by script' } })).body.name).toBe('Renamed by script');
    expect((await admin.call<Member & { name: string }>('PATCH', '/me', { name: 'Renamed in console' })).body.name).toBe('Renamed in console');
  });

  it('refuses a blank token or member name, and keeps a name without the spaces around it', async () => {
    const blanks: [string, string, unknown, string][] = [
      ['POST', '/tokens', { name: '   ', role: 'viewer' }, 'token'],
      ['POST', '/members', { email: 'blank-name@example.com', name: ' ', role: 'viewer' }, 'member'],
    ];
    for (const [method, path, body, what] of blanks) {
      const refused = await api<{ error: { code: string; message: string } }>(sluice.url, method, path, { token: sluice.token, body });
      expect(refused.status, `${method} ${path}`).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining(`give the ${what} a name`) });
    }
    expect((await api<{ members: Member[] }>(sluice.url, 'GET', '/members', { token: sluice.token })).body.members.some((m) => m.email === 'blank-name@example.com')).toBe(false);
    const token = await api<{ name: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: '  Nightly export ', role: 'viewer' } });
    expect(token.body.name).toBe('Nightly export');
    const { client, member: m } = await member('named@example.com', 'viewer');
    expect((await client.call('PATCH', '/me', { name: '  ' })).status).toBe(400);
    expect((await api(sluice.url, 'PATCH', `/members/${m.id}`, { token: sluice.token, body: { name: '\t' } })).status).toBe(400);
  });

  it('expires tokens and ends a member\'s tokens with their suspension', async () => {
    const { client, member: m } = await member('tok-owner2@example.com', 'admin');
    const expired = await client.call('POST', '/tokens', { name: 'old', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' });
    expect(expired.status).toBe(400);
    const live = await client.call<{ token: string }>('POST', '/tokens', { name: 'live', role: 'viewer' });
    expect((await api(sluice.url, 'GET', '/sources', { token: live.body.token })).status).toBe(200);
    await api(sluice.url, 'POST', `/members/${m.id}/suspend`, { token: sluice.token });
    expect((await api(sluice.url, 'GET', '/sources', { token: live.body.token })).status).toBe(401);
  });

  it('rotates a token: a new secret with the same name, role and expiry, the old one refused at once, and only its own member may', async () => {
    const { client, member: m } = await member('rotator@example.com', 'admin');
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const made = (await client.call<{ id: string; token: string }>('POST', '/tokens', { name: 'rotator ci', role: 'engineer', expiresAt })).body;
    const rotated = await client.call<{ id: string; token: string; name: string; role: string; memberId: string; expiresAt: string; replaces: string }>('POST', `/tokens/${made.id}/rotate`);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'rotator ci', role: 'engineer', memberId: m.id, expiresAt, replaces: made.id });
    expect(rotated.body.token).not.toBe(made.token);
    expect((await api(sluice.url, 'GET', '/sources', { token: made.token })).status).toBe(401);
    expect((await api(sluice.url, 'GET', '/sources', { token: rotated.body.token })).status).toBe(200);
    // The old one is revoked: rotating it again is a conflict.
    expect((await client.call('POST', `/tokens/${made.id}/rotate`)).body).toMatchObject({ error: { code: 'conflict' } });
    // Another member's token: the new secret would let the caller act in their name, so only they may (the owner may revoke it).
    expect((await api(sluice.url, 'POST', `/tokens/${rotated.body.id}/rotate`, { token: sluice.token })).body).toMatchObject({ error: { code: 'forbidden' } });
    const [entry] = (await api<{ entries: { actor: string; after?: unknown; resourceName?: string }[] }>(sluice.url, 'GET', `/audit-log?action=token.rotate&resourceId=${made.id}`, { token: sluice.token })).body.entries;
    expect(entry).toMatchObject({ resourceName: 'rotator ci', after: { replacedBy: rotated.body.id, role: 'engineer' }, actor: `member:${m.id} (rotator@example.com)` });
    expect(JSON.stringify(entry)).not.toContain(rotated.body.token);
  });

  it('rotates with an overlap: the old secret keeps working until the time answered (never past its own expiry), then is refused', async () => {
    const { client } = await member('roller@example.com', 'admin');
    const expiresAt = Date.now() + 2 * 3_600_000;
    const made = (await client.call<{ id: string; token: string }>('POST', '/tokens', { name: 'roller ci', role: 'engineer', expiresAt: new Date(expiresAt).toISOString() })).body;
    const before = Date.now();
    const rotated = await client.call<{ id: string; token: string; oldSecretValidUntil: string }>('POST', `/tokens/${made.id}/rotate`, { oldSecretValidForMinutes: 60 });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    const until = Date.parse(rotated.body.oldSecretValidUntil);
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // Both secrets work meanwhile, so the services that hold the old one can move over without an outage.
    expect((await api(sluice.url, 'GET', '/sources', { token: made.token })).status).toBe(200);
    expect((await api(sluice.url, 'GET', '/sources', { token: rotated.body.token })).status).toBe(200);
    const listed = (await client.call<{ tokens: { id: string; expiresAt: string | null; revokedAt: string | null; replacedBy: string | null }[] }>('GET', '/tokens')).body.tokens.find((t) => t.id === made.id);
    expect(listed).toMatchObject({ expiresAt: rotated.body.oldSecretValidUntil, revokedAt: null, replacedBy: rotated.body.id });
    const [entry] = (await api<{ entries: { after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=token.rotate&resourceId=${made.id}`, { token: sluice.token })).body.entries;
    expect(entry).toMatchObject({ after: { replacedBy: rotated.body.id, oldStopsWorkingAt: rotated.body.oldSecretValidUntil } });

    // The old token, rotated already, is not rotated again into a third live secret: the answer names its replacement.
    const tokensBefore = (await client.call<{ tokens: unknown[] }>('GET', '/tokens')).body.tokens.length;
    const twice = await client.call<{ error: { code: string; message: string } }>('POST', `/tokens/${made.id}/rotate`, { oldSecretValidForMinutes: 60 });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(`its replacement is token ${rotated.body.id}`) });
    expect(twice.body.error.message).toContain(`until ${rotated.body.oldSecretValidUntil}`);
    expect((await client.call<{ tokens: unknown[] }>('GET', '/tokens')).body.tokens).toHaveLength(tokensBefore);

    // An overlap longer than the token had left ends at its own expiry.
    const again = await client.call<{ oldSecretValidUntil: string }>('POST', `/tokens/${rotated.body.id}/rotate`, { oldSecretValidForMinutes: 7 * 24 * 60 });
    expect(Date.parse(again.body.oldSecretValidUntil)).toBe(expiresAt);
    // An overlap that has passed: the old secret is refused (the token's expiry moved to a time already gone).
    const short = (await client.call<{ id: string; token: string }>('POST', '/tokens', { name: 'short ci', role: 'engineer' })).body;
    const shortRotated = await client.call<{ oldSecretValidUntil: string }>('POST', `/tokens/${short.id}/rotate`, { oldSecretValidForMinutes: 1 });
    await sluice.store.tokens.expireBy(sluice.bootstrap.workspaceId, short.id, Date.now() - 1);
    expect(Date.parse(shortRotated.body.oldSecretValidUntil)).toBeGreaterThan(Date.now());
    expect((await api(sluice.url, 'GET', '/sources', { token: short.token })).status).toBe(401);
    for (const bad of [-1, 7 * 24 * 60 + 1, 'an hour']) {
      expect((await client.call('POST', `/tokens/${rotated.body.id}/rotate`, { oldSecretValidForMinutes: bad })).status, String(bad)).toBe(400);
    }
  });

  it("lists each token with its member's email and the role it acts with now, as the API decides it per call", async () => {
    const { client, member: m } = await member('tok-lister@example.com', 'admin');
    const made = await client.call<{ id: string; token: string }>('POST', '/tokens', { name: 'lister ci', role: 'admin' });
    type Listed = { id: string; role: string; memberEmail: string | null; actsAs: string | null };
    const listed = async (id: string) => (await api<{ tokens: Listed[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token })).body.tokens.find((t) => t.id === id);
    expect(await listed(made.body.id)).toMatchObject({ role: 'admin', memberEmail: 'tok-lister@example.com', actsAs: 'admin' });
    expect((await api<{ tokens: Listed[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token })).body.tokens.find((t) => t.memberEmail === null)).toMatchObject({ role: 'owner', actsAs: 'owner' });
    // Lowered to viewer: the admin token reads but cannot write, and the list says so instead of "admin".
    await api(sluice.url, 'PATCH', `/members/${m.id}`, { token: sluice.token, body: { role: 'viewer' } });
    expect((await api(sluice.url, 'POST', '/sources', { token: made.body.token, body: { name: 'nope' } })).status).toBe(403);
    expect(await listed(made.body.id)).toMatchObject({ role: 'admin', actsAs: 'viewer' });
    // While a new password is required the token is refused: it acts as nothing.
    await api(sluice.url, 'POST', `/members/${m.id}/require-password-reset`, { token: sluice.token });
    expect((await api(sluice.url, 'GET', '/sources', { token: made.body.token })).status).toBe(403);
    expect(await listed(made.body.id)).toMatchObject({ actsAs: null });
  });
});
