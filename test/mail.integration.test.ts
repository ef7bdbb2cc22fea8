import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DevelopmentOutbox } from '../src/mail/development-outbox.js';
import { SmtpMailer } from '../src/mail/smtp-mailer.js';
import { api } from './support/api-client.js';
import { logLines } from './support/log-lines.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/** A pino logger whose lines the test can read. */
function capturingLogger() {
  const { stream, lines } = logLines();
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('SMTP mailer (real SMTP server)', () => {
  let smtp: SmtpCapture;
  beforeAll(async () => {
    smtp = await startSmtpCapture({ auth: { user: 'sluice', password: 's3cret pass' }, refuse: (address) => address.startsWith('nobody@') });
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it('delivers text and HTML with the configured sender, authenticating with the URL credentials', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = new SmtpMailer(smtp.url, 'Sluice <sluice@example.test>', logger);
    const link = `https://sluice.example.test/invite?token=${'x'.repeat(90)}`;
    const sent = await mailer.send({ to: 'ana@example.test', subject: 'Invitation to Acme — Sluice', text: `Open ${link} to join.`, html: `<p><a href="${link}">Join</a></p>` });
    await mailer.close();
    expect(sent.ok).toBe(true);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ana@example.test'));
    expect(mail.user).toBe('sluice');
    expect(mail.envelopeFrom).toBe('sluice@example.test');
    expect(mail.from).toBe('Sluice <sluice@example.test>');
    expect(mail.subject).toBe('Invitation to Acme — Sluice');
    expect(mail.text).toBe(`Open ${link} to join.`);
    expect(mail.html).toContain(`href="${link}"`);
    // Production mode logs who (masked: it may be a data subject's address) and what, never the body (it
    // carries one-time links).
    expect(lines.join('')).toContain('email sent');
    expect(lines.join('')).toContain('a***@example.test');
    expect(lines.join('')).not.toContain('ana@example.test');
    expect(lines.join('')).not.toContain('xxxxxxxxxx');
  });

  it('answers a refused recipient as a permanent failure value, not an exception', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = new SmtpMailer(smtp.url, 'sluice@example.test', logger);
    const sent = await mailer.send({ to: 'nobody@example.test', subject: 'Hello', text: 'Hi' });
    await mailer.close();
    expect(sent).toMatchObject({ ok: false, retriable: false });
    expect(!sent.ok && sent.reason).toMatch(/550|nobody@example.test/);
    expect(lines.join('')).toContain('n***@example.test');
    expect(lines.join('')).not.toContain('nobody@example.test');
  });

  it('answers wrong credentials and an unreachable server as failure values', async () => {
    const wrong = new SmtpMailer(`smtp://sluice:wrong@127.0.0.1:${smtp.port}`, 'sluice@example.test', pino({ level: 'silent' }));
    const refused = await wrong.send({ to: 'ana@example.test', subject: 'Hello', text: 'Hi' });
    await wrong.close();
    expect(refused.ok).toBe(false);
    const closed = await startSmtpCapture();
    const port = closed.port;
    await closed.close();
    const down = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'sluice@example.test', pino({ level: 'silent' }), { timeoutMs: 2000 });
    const unreachable = await down.send({ to: 'ana@example.test', subject: 'Hello', text: 'Hi' });
    await down.close();
    expect(unreachable).toMatchObject({ ok: false, retriable: true });
    expect(!unreachable.ok && unreachable.reason).toMatch(/ECONNREFUSED/);
  });
});

describe('development outbox (no SMTP configured)', () => {
  it('logs each message, clearly marked, and keeps the newest ones per workspace', async () => {
    const { logger, lines } = capturingLogger();
    const outbox = new DevelopmentOutbox('Sluice <sluice@localhost>', logger, 3);
    for (let i = 1; i <= 4; i++) await outbox.send({ to: `m${i}@example.test`, subject: `Message ${i}`, text: `Body ${i}`, workspaceId: i % 2 ? 'ws_a' : 'ws_b' });
    expect(lines.join('')).toContain('development mode: no SMTP configured');
    expect(lines.join('')).toContain('Body 4');
    expect(outbox.list().map((m) => m.subject)).toEqual(['Message 4', 'Message 3', 'Message 2']);
    expect(outbox.list({ workspaceId: 'ws_a' }).map((m) => m.subject)).toEqual(['Message 3']);
  });

  it('shows the workspace owners and admins their outbox at GET /api/v1/outbox, and nobody else', async () => {
    const sluice: TestSluice = await startTestSluice();
    try {
      expect(sluice.mailer.mode).toBe('development');
      await sluice.mailer.send({ to: 'ana@example.test', subject: 'Welcome', text: 'Hello Ana', workspaceId: 'ws_default' });
      await sluice.mailer.send({ to: 'bo@example.test', subject: 'Other workspace', text: 'Hello Bo', workspaceId: 'ws_elsewhere' });
      const owner = await api<{ mode: string; messages: { to: string; subject: string; text: string; from: string; sentAt: string }[] }>(sluice.url, 'GET', '/outbox', { token: sluice.token });
      expect(owner.status).toBe(200);
      expect(owner.body.mode).toBe('development');
      expect(owner.body.messages).toEqual([expect.objectContaining({ to: 'ana@example.test', subject: 'Welcome', text: 'Hello Ana', from: 'Sluice <sluice@localhost>' })]);
      expect(Date.parse(owner.body.messages[0]!.sentAt)).toBeGreaterThan(Date.now() - 60_000);
      const viewer = await api<{ token: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'viewer', role: 'viewer' } });
      expect((await api(sluice.url, 'GET', '/outbox', { token: viewer.body.token })).status).toBe(403);
      expect((await api(sluice.url, 'GET', '/outbox')).status).toBe(401);
    } finally {
      await sluice.stop();
    }
  }, 180_000);

  it('answers an empty outbox in smtp mode', async () => {
    const smtp = await startSmtpCapture();
    const sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'sluice@example.test' });
    try {
      expect(sluice.mailer.mode).toBe('smtp');
      expect((await sluice.mailer.send({ to: 'ana@example.test', subject: 'Hi', text: 'Hello', workspaceId: 'ws_default' })).ok).toBe(true);
      const res = await api(sluice.url, 'GET', '/outbox', { token: sluice.token });
      expect(res.body).toEqual({ mode: 'smtp', messages: [] });
      expect(smtp.messages).toHaveLength(1);
    } finally {
      await sluice.stop();
      await smtp.close();
    }
  }, 180_000);
});

describe('mail configuration', () => {
  it('refuses an SMTP URL without a sender, and a malformed URL or sender', () => {
    expect(() => loadConfig({ SLUICE_SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/SLUICE_MAIL_FROM/);
    expect(() => loadConfig({ SLUICE_SMTP_URL: 'http://mail.example.com', SLUICE_MAIL_FROM: 'a@b.c' })).toThrow(/SLUICE_SMTP_URL/);
    expect(() => loadConfig({ SLUICE_MAIL_FROM: 'not an address' })).toThrow(/SLUICE_MAIL_FROM/);
    expect(loadConfig({ SLUICE_SMTP_URL: 'smtps://u:p@mail.example.com:465', SLUICE_MAIL_FROM: 'Sluice <s@example.com>' })).toMatchObject({ smtpUrl: 'smtps://u:p@mail.example.com:465', mailFrom: 'Sluice <s@example.com>' });
    expect(loadConfig({}).smtpUrl).toBeUndefined();
  });
});
