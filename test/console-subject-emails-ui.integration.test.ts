import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

/**
 * The privacy team sees whether each email to a data subject reached the mail server (decision 0802): an email the
 * server refused is shown given up on the request's row and under "Emails not delivered", and a member sends it again
 * from there once the address works, in headless Chromium against a real Sluice and a real SMTP server.
 */
describe.skipIf(skip)('emails to data subjects in the console', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let smtp: SmtpCapture;
  let browser: Browser;
  let owner: Page;
  let refusing = true;
  const errors: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture({ refuse: (address) => (refusing && address === 'bea@example.com') || address === 'closed@example.com' });
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.test' });
    browser = await launchChromium();
    owner = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await smtp?.close();
  });

  it('shows a refused receipt as given up, lists it under Emails not delivered, and sends it again', async () => {
    const created = await api<{ id: string }>(sluice.url, 'POST', '/privacy-requests', { token: sluice.token, body: { type: 'access', subject: { email: 'bea@example.com' }, contactEmail: 'bea@example.com' } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    await eventually(async () => {
      const shown = await api<{ emails?: { status: string }[] }>(sluice.url, 'GET', `/privacy-requests/${id}`, { token: sluice.token });
      return shown.body.emails?.[0]?.status === 'gave_up' ? true : undefined;
    });

    await owner.getByRole('link', { name: 'Privacy requests' }).click();
    const emails = owner.getByRole('list', { name: `Emails to the subject of request ${id}` });
    await expect.poll(() => emails.textContent()).toMatch(/Receipt email: given up \(1 attempt\): the person was not told \(.*550.*\)/);
    expect(await emails.textContent()).not.toContain('bea@example.com');

    await owner.getByRole('tab', { name: 'Emails not delivered' }).click();
    await owner.getByRole('row', { name: new RegExp(`access.*${id}`) }).waitFor();
    refusing = false;
    await owner.getByRole('button', { name: `Send the receipt email of request ${id} again` }).click();
    await expect.poll(() => owner.getByRole('status').textContent()).toContain(`The receipt email of request ${id} is being sent again to bea@example.com.`);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bea@example.com'));
    expect(mail.subject).toBe('We received your privacy request');
    // Sent again: the request leaves the list once reloaded, and its row says who sent it.
    await owner.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => emails.textContent(), { timeout: 15_000 }).toMatch(/given up \(1 attempt\), sent again by member:.*Receipt email: (sent|waiting to be sent)/);
    await owner.getByRole('tab', { name: 'Emails not delivered' }).click();
    await owner.getByText('No requests here.').waitFor();
    expect(errors).toEqual([]);
  });

  it('changes the contact address of a request whose mailbox refused its email, then sends the email there', async () => {
    const created = await api<{ id: string }>(sluice.url, 'POST', '/privacy-requests', { token: sluice.token, body: { type: 'object', subject: { email: 'closed@example.com' }, contactEmail: 'closed@example.com' } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    await eventually(async () => {
      const shown = await api<{ emails?: { status: string }[] }>(sluice.url, 'GET', `/privacy-requests/${id}`, { token: sluice.token });
      return shown.body.emails?.[0]?.status === 'gave_up' ? true : undefined;
    });
    await owner.getByRole('tab', { name: 'All' }).click();
    await owner.getByRole('button', { name: `Change the contact address of object request ${id}` }).click();
    const form = owner.getByRole('form', { name: `Change the contact address of request ${id}` });
    const submit = form.getByRole('button', { name: 'Change the contact address' });
    await form.getByLabel('New contact address').fill('not an address');
    await form.getByLabel('Why (kept in the request\'s history and the audit log)').fill('The person called: the old mailbox is closed.');
    expect(await submit.isDisabled()).toBe(true);
    await form.getByLabel('New contact address').fill('open@example.com');
    await submit.click();
    await expect.poll(() => owner.getByRole('status').textContent()).toContain(`The emails of request ${id} now go to open@example.com.`);
    await owner.getByRole('button', { name: `Send the receipt email of request ${id} again` }).click();
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('open@example.com'));
    expect(mail.text).toContain(id);
    const shown = await api<{ contactEmail: string; history: { action: string; note?: string }[] }>(sluice.url, 'GET', `/privacy-requests/${id}`, { token: sluice.token });
    expect(shown.body.contactEmail).toBe('open@example.com');
    expect(shown.body.history.find((t) => t.action === 'contact_email_changed')?.note).toBe('contact email changed from c***@example.com to o***@example.com: The person called: the old mailbox is closed.');
    expect(errors).toEqual([]);
  });
});
