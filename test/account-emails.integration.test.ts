import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startSluiceProcess } from './support/sluice-process.js';
import { linkIn, startSmtpCapture, type CapturedMail, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, TEST_ADMIN_TOKEN, type TestSluice } from './support/start-test-sluice.js';

const PUBLIC_URL = 'https://sluice.example.test';
type Member = { id: string; email: string; role: string; status: string; mustResetPassword: boolean };
type EmailOutcome = { sent: boolean; mode: string; reason?: string };

/** The token of the one-time link in an email, read from the link as a person would click it. */
function tokenOf(mail: CapturedMail, page: 'invite' | 'reset-password'): string {
  const link = new URL(linkIn(mail.text, `${PUBLIC_URL}/${page}?token=`));
  expect(mail.html).toContain(`href="${link.href}"`);
  return link.searchParams.get('token')!;
}

describe('account emails through a real SMTP server', () => {
  let smtp: SmtpCapture;
  let sluice: TestSluice;
  beforeAll(async () => {
    smtp = await startSmtpCapture({ auth: { user: 'mailer', password: 'mail pass' } });
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'Sluice <sluice@example.test>', SLUICE_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(async () => {
    await sluice?.stop();
    await smtp?.close();
  });

  it('invites by email: the link in the email accepts the invitation, then the member logs in', async () => {
    const invited = await api<{ member: Member; email: EmailOutcome }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'ana@example.test', name: 'Ana', role: 'engineer' } });
    expect(invited.status, invited.text).toBe(201);
    expect(invited.body.email).toEqual({ sent: true, mode: 'smtp' });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ana@example.test'));
    expect(mail.from).toBe('Sluice <sluice@example.test>');
    expect(mail.subject).toBe('You are invited to Default workspace on Sluice');
    expect(mail.text).toContain('with the role engineer');
    const token = tokenOf(mail, 'invite');

    const ana = new ConsoleClient(sluice.url);
    const accepted = await ana.call<{ member: Member }>('POST', '/auth/accept-invite', { token, password: 'ana chose this password' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.member).toMatchObject({ email: 'ana@example.test', status: 'active', role: 'engineer' });
    const again = await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token, password: 'someone else password' });
    expect(again.body).toMatchObject({ error: { code: 'invalid_link' } });

    const later = new ConsoleClient(sluice.url);
    await later.login('ana@example.test', 'ana chose this password');
    expect((await later.call<{ member: Member }>('GET', '/me')).body.member.role).toBe('engineer');
    const [entry] = (await api<{ entries: { after: Record<string, unknown> }[] }>(sluice.url, 'GET', `/audit-log?action=member.invite&resourceId=${invited.body.member.id}`, { token: sluice.token })).body.entries;
    expect(entry?.after).toMatchObject({ emailSent: true });
    expect(JSON.stringify(entry)).not.toContain(token);
  });

  it("emails a new invitation naming the new role when an invited member's role changes before they join (the old link stops working)", async () => {
    const invited = await api<{ member: Member }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'dee@example.test', name: 'Dee', role: 'admin' } });
    const first = await smtp.waitFor((m) => m.envelopeTo.includes('dee@example.test'));
    expect(first.text).toContain('with the role admin');
    const oldToken = tokenOf(first, 'invite');

    const changed = await api<Member & { invitation?: { inviteUrl: string; email: EmailOutcome } }>(sluice.url, 'PATCH', `/members/${invited.body.member.id}`, { token: sluice.token, body: { role: 'viewer' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ role: 'viewer', status: 'invited', invitation: { email: { sent: true, mode: 'smtp' } } });
    const second = await smtp.waitFor((m) => m.envelopeTo.includes('dee@example.test') && m.text.includes('with the role viewer'));
    expect(second.text).toContain('replaces the one sent to you earlier');
    const newToken = tokenOf(second, 'invite');
    expect(changed.body.invitation?.inviteUrl).toContain(`/invite?token=${newToken}`);

    // The link in the first email, naming admin, no longer works; the new one makes Dee a viewer.
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: oldToken, password: 'dee chose this password' })).body).toMatchObject({ error: { code: 'invalid_link' } });
    const joined = await new ConsoleClient(sluice.url).call<{ member: Member }>('POST', '/auth/accept-invite', { token: newToken, password: 'dee chose this password' });
    expect(joined.body.member).toMatchObject({ status: 'active', role: 'viewer' });

    // A member who has joined gets no invitation for a role change.
    const active = await api<Member & { invitation?: unknown }>(sluice.url, 'PATCH', `/members/${invited.body.member.id}`, { token: sluice.token, body: { role: 'engineer' } });
    expect(active.body.role).toBe('engineer');
    expect(active.body.invitation).toBeUndefined();
  });

  it('emails the reset link an administrator requires; it sets the new password and ends the old one', async () => {
    const invited = await api<{ member: Member }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'bo@example.test', name: 'Bo', role: 'viewer' } });
    const invite = await smtp.waitFor((m) => m.envelopeTo.includes('bo@example.test'));
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: tokenOf(invite, 'invite'), password: 'bo first password' })).status).toBe(200);

    const required = await api<{ member: Member; email: EmailOutcome }>(sluice.url, 'POST', `/members/${invited.body.member.id}/require-password-reset`, { token: sluice.token });
    expect(required.status).toBe(200);
    expect(required.body.email).toEqual({ sent: true, mode: 'smtp' });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bo@example.test') && m.subject === 'Choose a new Sluice password');
    expect(mail.text).toContain('An administrator of the workspace "Default workspace"');
    const bo = new ConsoleClient(sluice.url);
    const reset = await bo.call<{ mustResetPassword: boolean }>('POST', '/auth/reset-password', { token: tokenOf(mail, 'reset-password'), password: 'bo second password' });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.mustResetPassword).toBe(false);
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/login', { email: 'bo@example.test', password: 'bo first password' })).status).toBe(401);
    await new ConsoleClient(sluice.url).login('bo@example.test', 'bo second password');
  });

  it('emails a reset link to a member who forgot their password, and says nothing about unknown emails', async () => {
    await api(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'cy@example.test', name: 'Cy', role: 'viewer' } });
    const invite = await smtp.waitFor((m) => m.envelopeTo.includes('cy@example.test'));
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: tokenOf(invite, 'invite'), password: 'cy forgot this one' })).status).toBe(200);

    const anonymous = new ConsoleClient(sluice.url);
    const unknown = await anonymous.call<{ message: string }>('POST', '/auth/forgot-password', { email: 'nobody@example.test' });
    const known = await anonymous.call<{ message: string }>('POST', '/auth/forgot-password', { email: 'Cy@Example.test' });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('cy@example.test') && m.subject === 'Choose a new Sluice password');
    expect(mail.text).toContain('If it was not you, ignore this email');
    // A second request within a minute sends no second email (no mailbox flooding through the public form).
    expect((await anonymous.call('POST', '/auth/forgot-password', { email: 'cy@example.test' })).status).toBe(202);

    const cy = new ConsoleClient(sluice.url);
    expect((await cy.call('POST', '/auth/reset-password', { token: tokenOf(mail, 'reset-password'), password: 'cy remembers now' })).status).toBe(200);
    await new ConsoleClient(sluice.url).login('cy@example.test', 'cy remembers now');
    expect(smtp.messages.filter((m) => m.envelopeTo.includes('nobody@example.test'))).toEqual([]);
    expect(smtp.messages.filter((m) => m.envelopeTo.includes('cy@example.test') && m.subject === 'Choose a new Sluice password')).toHaveLength(1);
  });
});

describe('account emails without a working SMTP server', () => {
  it('still creates the invitation when the SMTP server is down, and says the email was not sent', async () => {
    const gone = await startSmtpCapture();
    await gone.close();
    const sluice = await startTestSluice({ SLUICE_SMTP_URL: gone.url, SLUICE_MAIL_FROM: 'sluice@example.test', SLUICE_PUBLIC_URL: PUBLIC_URL });
    try {
      const invited = await api<{ member: Member; email: EmailOutcome; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'dee@example.test', name: 'Dee', role: 'viewer' } });
      expect(invited.status).toBe(201);
      expect(invited.body.email).toMatchObject({ sent: false, mode: 'smtp' });
      expect(invited.body.email.reason).toMatch(/ECONNREFUSED/);
      expect(invited.body.member.status).toBe('invited');
    } finally {
      await sluice.stop();
    }
  }, 180_000);

  it('keeps the invitation in the development outbox, with the link at the public URL', async () => {
    const sluice = await startTestSluice({ SLUICE_PUBLIC_URL: PUBLIC_URL });
    try {
      const invited = await api<{ email: EmailOutcome; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'eve@example.test', name: 'Eve', role: 'viewer' } });
      expect(invited.body.email).toEqual({ sent: true, mode: 'development' });
      const outbox = await api<{ messages: { to: string; text: string }[] }>(sluice.url, 'GET', '/outbox', { token: sluice.token });
      expect(outbox.body.messages[0]).toMatchObject({ to: 'eve@example.test' });
      expect(outbox.body.messages[0]!.text).toContain(`${PUBLIC_URL}/invite?token=${invited.body.inviteToken}`);
    } finally {
      await sluice.stop();
    }
  }, 180_000);
});

describe('one-time tokens and the server log', () => {
  it('never writes an invitation or reset token to the log when SMTP is configured', async () => {
    const smtp = await startSmtpCapture();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-mail-log-'));
    const sluice = await startSluiceProcess(dataDir, { SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'sluice@example.test', SLUICE_PUBLIC_URL: PUBLIC_URL, SLUICE_LOG_LEVEL: 'debug' });
    try {
      const invited = await api<{ inviteToken: string; member: Member }>(sluice.url, 'POST', '/members', { token: TEST_ADMIN_TOKEN, body: { email: 'fay@example.test', name: 'Fay', role: 'viewer' } });
      expect(invited.status).toBe(201);
      await smtp.waitFor((m) => m.envelopeTo.includes('fay@example.test'));
      // A password is reset once there is one: Fay joins first.
      expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'fay first password' })).status).toBe(200);
      const reset = await api<{ resetToken: string }>(sluice.url, 'POST', `/members/${invited.body.member.id}/require-password-reset`, { token: TEST_ADMIN_TOKEN });
      await smtp.waitFor((m) => m.envelopeTo.includes('fay@example.test') && m.subject === 'Choose a new Sluice password');
      // The server logs each send after the SMTP server took it, through a pipe: wait for both lines, then look.
      await eventually(async () => (sluice.output().split('email sent').length - 1 >= 2 ? true : undefined), 10_000);
      expect(sluice.output()).not.toContain(invited.body.inviteToken);
      expect(sluice.output()).not.toContain(reset.body.resetToken);
      expect(sluice.output()).not.toContain('development mode');
    } finally {
      await sluice.stop();
      await smtp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
