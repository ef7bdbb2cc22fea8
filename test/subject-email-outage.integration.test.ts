import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startSluice, type Sluice } from '../src/main.js';
import { ownerApi } from './support/api-client.js';
import { startSmtpCapture } from './support/smtp-capture.js';
import { eventually, TEST_ADMIN_TOKEN } from './support/start-test-sluice.js';

interface Email {
  id: string;
  kind: string;
  language: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  sentAgainBy?: string;
}

/**
 * Emails to data subjects across a mail-server outage and a restart (decision 0802): the SMTP server is down when a
 * request is received, Sluice is stopped (a deploy) and started again on the same data dir, the server comes back, and
 * the receipt arrives once, confirming the request's receipt. A refused address is given up, listed to follow up, and
 * sent again by a member through the admin API.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-subject-mail-'));
const smtp = await startSmtpCapture({ refuse: (address) => address.startsWith('gone@') });
let running: Sluice | undefined;
afterAll(async () => {
  await running?.close();
  await smtp.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () =>
  startSluice(
    loadConfig(
      { PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'silent', SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.test' },
      // A second between retries instead of a minute, so the test need not wait for the first retry.
      { subjectEmailRetryDelaysMs: [1_000] },
    ),
  );

const api = () => ownerApi({ url: running!.url, token: TEST_ADMIN_TOKEN });
const emailsOf = async (id: string) => ((await api()('GET', `/privacy-requests/${id}`)).body.emails ?? []) as Email[];

describe('emails to data subjects across an SMTP outage and a restart', () => {
  it('keeps the receipt the server could not take, and the restarted Sluice sends it once the server is up', { timeout: 90_000 }, async () => {
    await smtp.down();
    running = await start();
    const created = await api()('POST', '/privacy-requests', { type: 'object', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', language: 'de' });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    const retrying = await eventually(async () => {
      const [receipt] = await emailsOf(id);
      return receipt?.status === 'retrying' ? receipt : undefined;
    }, 30_000);
    expect(retrying).toMatchObject({ kind: 'receipt', language: 'de', sentAt: null });
    expect(retrying.attempts).toBeGreaterThanOrEqual(1);
    expect(retrying.lastError).toMatch(/ECONNREFUSED/);
    expect((await api()('GET', `/privacy-requests/${id}`)).body.receiptConfirmedAt).toBeUndefined();

    // A deploy: Sluice stops; the mail server comes back; a new Sluice starts on the same data dir.
    await running.close();
    running = undefined;
    await smtp.up();
    running = await start();
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ada@example.com'), 30_000);
    expect(mail.subject).toBe('Wir haben Ihren Datenschutzantrag erhalten');
    expect(mail.text).toContain(id);
    const sent = await eventually(async () => {
      const [receipt] = await emailsOf(id);
      return receipt?.status === 'sent' ? receipt : undefined;
    });
    expect(sent.sentAt).not.toBeNull();
    expect(sent.lastError).toBeNull();
    const shown = (await api()('GET', `/privacy-requests/${id}`)).body;
    expect(shown.receiptConfirmedAt).toEqual(expect.any(String));
    expect(shown.receiptOverdue).toBe(false);
    // Sent once: nothing retries it again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(smtp.messages.filter((m) => m.envelopeTo.includes('ada@example.com'))).toHaveLength(1);
  });

  it('gives a refused address up, lists the request to follow up, and a member sends the email again (audited)', { timeout: 60_000 }, async () => {
    running ??= await start();
    const created = await api()('POST', '/privacy-requests', { type: 'delete', subject: { email: 'gone@example.com' }, contactEmail: 'gone@example.com' });
    const id = String(created.body.id);
    const gaveUp = await eventually(async () => {
      const [receipt] = await emailsOf(id);
      return receipt?.status === 'gave_up' ? receipt : undefined;
    });
    expect(gaveUp.lastError).toMatch(/550/);
    expect(gaveUp.lastError).not.toContain('gone@example.com');
    const listed = (await api()('GET', '/privacy-requests/email-follow-ups')).body.requests as { id: string; emails: Email[] }[];
    expect(listed.map((r) => r.id)).toEqual([id]);
    expect(listed[0]!.emails.map((e) => e.status)).toEqual(['gave_up']);

    const again = await api()('POST', `/privacy-requests/${id}/emails/${gaveUp.id}/send-again`);
    expect(again.status, again.text).toBe(200);
    expect((again.body.emails as Email[]).map((e) => [e.kind, e.status === 'gave_up' ? 'gave_up' : 'on its way', e.sentAgainBy ?? null])).toEqual([
      ['receipt', 'gave_up', expect.stringContaining('token:')],
      ['receipt', 'on its way', null],
    ]);
    expect((await api()('GET', '/privacy-requests/email-follow-ups')).body.requests).toEqual([]);
    const twice = await api()('POST', `/privacy-requests/${id}/emails/${gaveUp.id}/send-again`);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'email_not_given_up' });
    const audit = (await api()('GET', '/audit-log?action=privacy_request.email_sent_again')).body.entries as { resourceId: string }[];
    expect(audit.map((e) => e.resourceId)).toEqual([id]);
    // Still refused: the copy is given up too, and the request is listed again.
    await eventually(async () => ((await emailsOf(id))[1]?.status === 'gave_up' ? true : undefined));
    expect(((await api()('GET', '/privacy-requests/email-follow-ups')).body.requests as { id: string }[]).map((r) => r.id)).toEqual([id]);

    // The person gives another address: a member changes it (audited, both masked), and the copy goes there.
    const wrong = await api()('POST', `/privacy-requests/${id}/contact-email`, { email: 'not an address', reason: 'typo' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'validation_failed', path: 'email' });
    const changed = await api()('POST', `/privacy-requests/${id}/contact-email`, { email: 'ada.new@example.com', reason: 'the person called: the old mailbox was closed' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.contactEmail).toBe('ada.new@example.com');
    const step = (changed.body.history as { action: string; note: string | null }[]).find((t) => t.action === 'contact_email_changed');
    expect(step?.note).toBe('contact email changed from g***@example.com to a***@example.com: the person called: the old mailbox was closed');
    const entries = (await api()('GET', '/audit-log?action=privacy_request.contact_email_changed')).body.entries as { resourceId: string }[];
    expect(entries.map((e) => e.resourceId)).toEqual([id]);
    expect(JSON.stringify(entries)).not.toMatch(/gone@example\.com|ada\.new@example\.com/);
    // The same address again changes nothing.
    const same = await api()('POST', `/privacy-requests/${id}/contact-email`, { email: 'ADA.NEW@example.com', reason: 'again' });
    expect((same.body.history as { action: string }[]).filter((t) => t.action === 'contact_email_changed')).toHaveLength(1);
    const copy = (await emailsOf(id))[1]!;
    expect((await api()('POST', `/privacy-requests/${id}/emails/${copy.id}/send-again`)).status).toBe(200);
    const arrived = await smtp.waitFor((m) => m.envelopeTo.includes('ada.new@example.com'), 30_000);
    expect(arrived.text).toContain(id);
    await eventually(async () => (((await api()('GET', '/privacy-requests/email-follow-ups')).body.requests as unknown[]).length === 0 ? true : undefined));
  });
});
