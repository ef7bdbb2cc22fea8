import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const PASSWORD = 'a long enough password';
type Member = { id: string; email: string };

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

async function member(email: string, role = 'viewer'): Promise<{ client: ConsoleClient; member: Member }> {
  const invited = await api<{ member: Member; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email, name: email.split('@')[0], role } });
  expect(invited.status, invited.text).toBe(201);
  const client = new ConsoleClient(sluice.url);
  expect((await client.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
  return { client, member: invited.body.member };
}

/** Enrolls and confirms two-factor as the member would with an authenticator app; returns the app's TOTP. */
async function turnOn(client: ConsoleClient): Promise<{ totp: TOTP; secret: string; recoveryCodes: string[] }> {
  const enrolled = await client.call<{ secret: string; otpauthUri: string }>('POST', '/me/two-factor');
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  const totp = URI.parse(enrolled.body.otpauthUri) as TOTP;
  const confirmed = await client.call<{ enabled: boolean; recoveryCodes: string[] }>('POST', '/me/two-factor/confirm', { code: totp.generate() });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return { totp, secret: enrolled.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}

/** The code of the next 30-second step: newer than any code used so far, and within the accepted window. */
const nextCode = (totp: TOTP) => totp.generate({ timestamp: Date.now() + 30_000 });
const wrongCode = (totp: TOTP) => String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0');

async function login(body: Record<string, string>) {
  return new ConsoleClient(sluice.url).call<{ error?: { code: string }; member?: Member }>('POST', '/auth/login', body);
}

async function auditActions(memberId: string): Promise<string[]> {
  const res = await api<{ entries: { action: string }[] }>(sluice.url, 'GET', `/audit-log?resourceId=${memberId}`, { token: sluice.token });
  return res.body.entries.map((e) => e.action);
}

describe('TOTP two-factor authentication', () => {
  it('enrolls with an otpauth URI, keeps the secret encrypted, and turns on only with a right first code', async () => {
    const { client, member: m } = await member('tess@example.com');
    expect((await client.call('GET', '/me/two-factor')).body).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    const enrolled = await client.call<{ secret: string; otpauthUri: string }>('POST', '/me/two-factor');
    expect(enrolled.status).toBe(201);
    const uri = new URL(enrolled.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Sluice:tess@example.com');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret: enrolled.body.secret, issuer: 'Sluice', algorithm: 'SHA1', digits: '6', period: '30' });
    const stored = await sluice.store.twoFactor.get(sluice.bootstrap.workspaceId, m.id);
    expect(stored?.sealedSecret).not.toContain(enrolled.body.secret);
    expect(sluice.keys.decrypt(stored!.sealedSecret)).toBe(enrolled.body.secret);
    expect((await client.call('GET', '/me/two-factor')).body).toMatchObject({ enabled: false, pending: true });

    const totp = URI.parse(enrolled.body.otpauthUri) as TOTP;
    const wrong = await client.call('POST', '/me/two-factor/confirm', { code: wrongCode(totp) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'two_factor_code_invalid' } });
    // Still off: the password alone logs in.
    expect((await login({ email: 'tess@example.com', password: PASSWORD })).status).toBe(200);
    const confirmed = await client.call<{ recoveryCodes: string[] }>('POST', '/me/two-factor/confirm', { code: totp.generate() });
    expect(confirmed.status).toBe(200);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect((await client.call('GET', '/me/two-factor')).body).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });
    expect((await client.call('POST', '/me/two-factor')).body).toMatchObject({ error: { code: 'conflict' } });
    const exported = await api<{ twoFactor: unknown }>(sluice.url, 'GET', `/members/${m.id}/export`, { token: sluice.token });
    expect(exported.body.twoFactor).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });
  });

  it('requires the code at login, refuses a wrong or replayed code, and accepts each recovery code once', async () => {
    const { client, member: m } = await member('uma@example.com');
    const { totp, recoveryCodes } = await turnOn(client);

    const missing = await login({ email: 'uma@example.com', password: PASSWORD });
    expect(missing.status).toBe(401);
    expect(missing.body.error?.code).toBe('two_factor_required');
    const wrong = await login({ email: 'uma@example.com', password: PASSWORD, code: wrongCode(totp) });
    expect(wrong.body.error?.code).toBe('two_factor_code_invalid');
    // A wrong password with a right code is still a wrong password.
    expect((await login({ email: 'uma@example.com', password: 'not the password', code: nextCode(totp) })).body.error?.code).toBe('invalid_credentials');
    const code = nextCode(totp);
    const ok = await login({ email: 'uma@example.com', password: PASSWORD, code });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.member?.id).toBe(m.id);
    const replay = await login({ email: 'uma@example.com', password: PASSWORD, code });
    expect(replay.body.error?.code).toBe('two_factor_code_invalid');

    const recovery = recoveryCodes[3]!;
    expect((await login({ email: 'uma@example.com', password: PASSWORD, recoveryCode: recovery.toUpperCase() })).status).toBe(200);
    expect((await login({ email: 'uma@example.com', password: PASSWORD, recoveryCode: recovery })).body.error?.code).toBe('two_factor_code_invalid');
    expect((await client.call('GET', '/me/two-factor')).body).toMatchObject({ recoveryCodesLeft: 9 });
    // Recovery codes are kept as keyed hashes only.
    const rows = await sluice.store.db.selectFrom('member_recovery_codes').select(['code_hash']).where('member_id', '=', m.id).execute();
    expect(rows).toHaveLength(10);
    for (const row of rows) for (const c of recoveryCodes) expect(row.code_hash).not.toContain(c.replace('-', ''));

    const actions = await auditActions(m.id);
    for (const action of ['member.two_factor_enroll', 'member.two_factor_enable', 'member.two_factor_failed', 'member.two_factor_recovery_used']) expect(actions).toContain(action);
  });

  it('locks the account after 5 wrong codes, like wrong passwords', async () => {
    const { client } = await member('vic@example.com');
    const { totp } = await turnOn(client);
    for (let i = 0; i < 5; i++) expect((await login({ email: 'vic@example.com', password: PASSWORD, code: wrongCode(totp) })).body.error?.code).toBe('two_factor_code_invalid');
    const locked = await login({ email: 'vic@example.com', password: PASSWORD, code: nextCode(totp) });
    expect(locked.status).toBe(423);
    expect(locked.body.error?.code).toBe('account_locked');
  });

  it('turns off with a current code (not without), and an owner can reset a lost device', async () => {
    const { client, member: m } = await member('wes@example.com');
    const { totp } = await turnOn(client);
    const without = await client.call('POST', '/me/two-factor/disable', {});
    expect(without.body).toMatchObject({ error: { code: 'two_factor_required' } });
    const off = await client.call('POST', '/me/two-factor/disable', { code: nextCode(totp) });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    expect((await login({ email: 'wes@example.com', password: PASSWORD })).status).toBe(200);
    expect(await auditActions(m.id)).toContain('member.two_factor_disable');

    const { client: lost, member: x } = await member('xan@example.com');
    await turnOn(lost);
    const viewer = await api<{ token: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'v', role: 'viewer' } });
    expect((await api(sluice.url, 'POST', `/members/${x.id}/two-factor/reset`, { token: viewer.body.token })).status).toBe(403);
    const reset = await api(sluice.url, 'POST', `/members/${x.id}/two-factor/reset`, { token: sluice.token });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    expect((await lost.call('GET', '/me/two-factor')).status).toBe(401); // sessions ended with the reset
    expect((await login({ email: 'xan@example.com', password: PASSWORD })).status).toBe(200);
    expect(await auditActions(x.id)).toContain('member.two_factor_reset');
  });

  it('asks for the second factor on a password reset too, without spending the link', async () => {
    const { client, member: m } = await member('yara@example.com');
    const { totp } = await turnOn(client);
    const required = await api<{ resetToken: string }>(sluice.url, 'POST', `/members/${m.id}/require-password-reset`, { token: sluice.token });
    const anonymous = new ConsoleClient(sluice.url);
    const without = await anonymous.call('POST', '/auth/reset-password', { token: required.body.resetToken, password: 'yara new password' });
    expect(without.body).toMatchObject({ error: { code: 'two_factor_required' } });
    const withCode = await anonymous.call('POST', '/auth/reset-password', { token: required.body.resetToken, password: 'yara new password', code: nextCode(totp) });
    expect(withCode.status, JSON.stringify(withCode.body)).toBe(200);
    expect((await login({ email: 'yara@example.com', password: 'yara new password' })).body.error?.code).toBe('two_factor_required');
  });
});
