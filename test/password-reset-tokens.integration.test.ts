import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

async function memberWithToken(email: string): Promise<{ memberId: string; client: ConsoleClient; token: string }> {
  const invited = await api<{ member: { id: string }; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email, name: 'Reset', role: 'admin' } });
  const client = new ConsoleClient(sluice.url);
  expect((await client.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'the first password' })).status).toBe(200);
  const created = await client.call<{ token: string }>('POST', '/tokens', { name: 'deploy script', role: 'admin' });
  expect(created.status).toBe(201);
  return { memberId: invited.body.member.id, client, token: created.body.token };
}

describe("a member's API tokens while an administrator requires a new password", () => {
  it('are refused with password_reset_required on every route (their own account too), and work again once the password is set', async () => {
    const { memberId, token } = await memberWithToken('tokens-paused@example.com');
    expect((await api(sluice.url, 'GET', '/sources', { token })).status).toBe(200);

    const reset = await api<{ resetToken: string }>(sluice.url, 'POST', `/members/${memberId}/require-password-reset`, { token: sluice.token });
    expect(reset.status).toBe(200);
    for (const [method, path, body] of [['GET', '/sources'], ['POST', '/sources', { name: 'from a paused token' }], ['GET', '/me'], ['POST', '/me/password', { newPassword: 'set by the token' }]] as const) {
      const refused = await api<{ error: { code: string; message: string } }>(sluice.url, method, path, { token, ...(body !== undefined && { body }) });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe('password_reset_required');
      expect(refused.body.error.message).toContain('tokens are refused until they do');
    }
    const metrics = await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(403);
    const [entry] = (await api<{ entries: { after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.require_password_reset&resourceId=${memberId}`, { token: sluice.token })).body.entries;
    expect(entry?.after).toMatchObject({ apiAccessPaused: 1 });

    const client = new ConsoleClient(sluice.url);
    expect((await client.call('POST', '/auth/reset-password', { token: reset.body.resetToken, password: 'the second password' })).status).toBe(200);
    expect((await api(sluice.url, 'GET', '/sources', { token })).status).toBe(200);
  });

  it('work again when the member sets the new password in the console session instead of the link', async () => {
    const { memberId, token } = await memberWithToken('tokens-paused-console@example.com');
    await api(sluice.url, 'POST', `/members/${memberId}/require-password-reset`, { token: sluice.token });
    expect((await api(sluice.url, 'GET', '/sources', { token })).status).toBe(403);
    const client = new ConsoleClient(sluice.url);
    await client.login('tokens-paused-console@example.com', 'the first password');
    expect((await client.call('POST', '/me/password', { newPassword: 'the second password' })).status).toBe(204);
    expect((await api(sluice.url, 'GET', '/sources', { token })).status).toBe(200);
  });
});
