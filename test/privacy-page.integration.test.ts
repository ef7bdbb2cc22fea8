import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * The hosted privacy-request page (`/privacy?writeKey=...`, issue #7) in headless Chromium: a data subject asks
 * for deletion, reads the code from the email (a real SMTP server), types it, and the request runs.
 */
describe.skipIf(chromiumMissing())('hosted privacy page in headless Chromium', { timeout: 180_000 }, () => {
  let sluice: TestSluice;
  let smtp: SmtpCapture;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await smtp?.close();
  });

  it('takes a deletion request, verifies it with the emailed code, and the request runs', async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'page-u', traits: { email: 'grace@example.com' } });
    await eventually(async () => ((await ownerApi(sluice)<{ events: unknown[] }>('GET', '/events?userId=page-u')).body.events.length > 0 ? true : undefined));

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    await page.getByLabel('What would you like us to do?').selectOption('delete');
    // A missing email is refused on the page, before anything is sent.
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Please enter your email address');

    await page.getByLabel('Your email address').fill('grace@example.com');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByLabel('Code from the email').waitFor();
    expect(await page.locator('#verify-intro').textContent()).toMatch(/We sent a 6-digit code to g\S*@example\.com/);

    const mail = await smtp.waitFor((m) => m.to.includes('grace@example.com') && m.subject === 'Confirm your privacy request', 60_000);
    const code = /verification code is (\d{6})\./.exec(mail.text)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await page.getByLabel('Code from the email').fill(code!);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Your request dsr_\S+ is confirmed; we will answer by/);
    expect(errors).toEqual([]);

    const id = /request (dsr_\S+) is confirmed/.exec((await page.getByRole('status').textContent()) ?? '')![1]!;
    const request = await eventually(async () => {
      const found = await ownerApi(sluice)<{ status: string; type: string; channel: string }>('GET', `/privacy-requests/${id}`);
      return found.body.status === 'completed' ? found.body : undefined;
    }, 60_000);
    expect(request).toMatchObject({ type: 'delete', channel: 'subject_portal' });
    expect((await ownerApi(sluice)<{ events: unknown[] }>('GET', '/events?userId=page-u')).body.events).toEqual([]);
  });

  it('says in a page what is wrong when the link has no valid writeKey', async () => {
    const response = await fetch(`${sluice.url}/privacy?writeKey=nope`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('The link to this page needs ?writeKey=');
  });
});
