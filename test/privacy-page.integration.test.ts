import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, launchChromium, serveHtml } from './support/browser.js';
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
  // The shop's own origin, which serves Sluice first-party: its pages, and every other path passed to Sluice by a
  // reverse proxy, with SLUICE_PUBLIC_URL set to the shop's origin.
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    const pages: Record<string, string> = {};
    site = await serveHtml(pages, { proxyTo: () => sluice?.url });
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example', SLUICE_PUBLIC_URL: site.url });
    pages['/shop'] =
      `<!doctype html><html><head><title>Shop</title><script src="/consent.js?writeKey=${sluice.writeKey}"></script></head>` +
      `<body><h1>Shop</h1><a href="/privacy?writeKey=${sluice.writeKey}">Exercise your privacy rights</a></body></html>`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
    await smtp?.close();
  });

  const requestIdIn = async (page: Page) => /request (dsr_\S+) is confirmed/.exec((await page.getByRole('status').textContent()) ?? '')![1]!;

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
    // Said at once (role=alert), on the field it is about: marked invalid, pointing at the message, focused.
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Please enter your email address');
    const email = page.getByLabel('Your email address');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.getAttribute('aria-errormessage')).toBe('alert');
    expect(await email.evaluate((field) => document.activeElement === field)).toBe(true);
    expect(await page.getByRole('status').textContent()).toBe('');

    await page.getByLabel('Your email address').fill('grace@example.com');
    expect(await email.getAttribute('aria-invalid')).toBeNull(); // changed: no longer marked
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

  it('takes a correction: the detail and what it should say, verified with the emailed code, and the profile is corrected', async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'page-fix', traits: { email: 'fix@example.com', name: 'Jon Smiht' } });
    await eventually(async () => ((await ownerApi(sluice)<{ events: unknown[] }>('GET', '/events?userId=page-fix')).body.events.length > 0 ? true : undefined));

    const page = await browser.newPage();
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    expect(await page.getByLabel('Which detail is wrong?').isVisible()).toBe(false);
    await page.getByLabel('What would you like us to do?').selectOption('correct');
    await page.getByLabel('Which detail is wrong?').selectOption('name');
    await page.getByLabel('Your email address').fill('fix@example.com');
    // Without the correct value nothing is sent.
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Please enter what the detail should say');
    expect(await page.getByLabel('What it should say').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('What it should say').fill('Jon Smith');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByLabel('Code from the email').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('fix@example.com') && m.subject === 'Confirm your privacy request', 60_000);
    await page.getByLabel('Code from the email').fill(/verification code is (\d{6})\./.exec(mail.text)![1]!);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/is confirmed/);
    const id = await requestIdIn(page);
    const request = await eventually(async () => {
      const found = await ownerApi(sluice)<{ status: string; type: string; params?: unknown }>('GET', `/privacy-requests/${id}`);
      return found.body.status === 'completed' ? found.body : undefined;
    }, 60_000);
    expect(request).toMatchObject({ type: 'correct', params: { traits: { name: 'Jon Smith' } } });
    await eventually(async () => {
      const profile = await ownerApi(sluice)<{ traits?: { name?: string } }>('GET', '/profiles/page-fix');
      return profile.body.traits?.name === 'Jon Smith' ? true : undefined;
    }, 60_000);
    await page.close();
  });

  it("opts out this browser with no email: the page sends the anonymousId analytics.js gave it on the site (Sluice served on the site's origin)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/shop`);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const anonymousId = await page.evaluate(() => (window as unknown as { analytics: { user(): { anonymousId(): string } } }).analytics.user().anonymousId());

    await page.getByRole('link', { name: 'Exercise your privacy rights' }).click();
    await page.getByLabel('What would you like us to do?').selectOption('opt_out');
    expect(await page.locator('#email-hint').textContent()).toContain('Left empty, we opt out this browser');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Your request dsr_\S+ is confirmed/);
    const id = await requestIdIn(page);
    const request = await eventually(async () => {
      const found = await ownerApi(sluice)<{ status: string; type: string; subject: Record<string, string> }>('GET', `/privacy-requests/${id}`);
      return found.body.status === 'completed' ? found.body : undefined;
    }, 60_000);
    expect(request).toMatchObject({ type: 'opt_out', subject: { anonymousId } });
    const consent = await ownerApi(sluice)<{ categories: { id: string; granted: boolean }[] }>('GET', `/profiles/${anonymousId}/consent`);
    expect(consent.body.categories.find((c) => c.id === 'advertising')).toMatchObject({ granted: false });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks for an email, before sending anything, when the browser has no analytics identifier of the site', async () => {
    const page = await browser.newPage();
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    await page.getByLabel('What would you like us to do?').selectOption('opt_out');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('please enter your email address');
    expect(await page.getByLabel('Your email address').getAttribute('aria-invalid')).toBe('true');
    expect(posts).toEqual([]);
    await page.close();
  });

  it('when the code email could not be sent, keeps the request form (nothing to type) and says to send it again later', async () => {
    const page = await browser.newPage();
    // The mail server refused: the endpoint answers as it does then (the request recorded, emailSent false).
    await page.route('**/v1/privacy-requests', (route) =>
      route.fulfill({
        status: 202,
        contentType: 'application/json',
        body: JSON.stringify({ id: 'dsr_unsent', type: 'access', status: 'verifying', receivedAt: new Date().toISOString(), dueAt: new Date().toISOString(), verification: { method: 'email', sentTo: 'n***@example.com', expiresAt: new Date().toISOString(), emailSent: false } }),
      }),
    );
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    await page.getByLabel('What would you like us to do?').selectOption('access');
    await page.getByLabel('Your email address').fill('no-mail@example.com');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('We could not send the code to n***@example.com just now');
    expect(await page.locator('#verify-form').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Send request' }).isVisible()).toBe(true);
    await page.close();
  });

  it('after three wrong codes shows the request form again, saying the request was closed', async () => {
    const page = await browser.newPage();
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    await page.getByLabel('What would you like us to do?').selectOption('access');
    await page.getByLabel('Your email address').fill('wrong-codes@example.com');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByLabel('Code from the email').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('wrong-codes@example.com') && m.subject === 'Confirm your privacy request', 60_000);
    const code = /verification code is (\d{6})\./.exec(mail.text)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (const left of ['2 attempts left', '1 attempt left']) {
      await page.getByLabel('Code from the email').fill(wrong);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain(left);
      expect(await page.getByLabel('Code from the email').getAttribute('aria-invalid')).toBe('true');
    }
    await page.getByLabel('Code from the email').fill(wrong);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('3 wrong codes');
    expect(await page.locator('#verify-form').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Send request' }).isVisible()).toBe(true);
    await page.close();
  });

  it('gives a person whose download link expired a new one: the email proven again with a code, then the link emailed', async () => {
    // An access request answered at the address (entered by the privacy team, verified by them).
    const made = await ownerApi(sluice)<{ id: string }>('POST', '/privacy-requests', { type: 'access', subject: { email: 'link@example.com' }, contactEmail: 'link@example.com', verified: true });
    const id = made.body.id;
    await eventually(async () => ((await ownerApi(sluice)<{ status: string }>('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 60_000);
    await smtp.waitFor((m) => m.to.includes('link@example.com') && m.subject === 'Your privacy request is complete', 60_000);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    await page.getByLabel('What would you like us to do?').selectOption('new_link');
    expect(await page.locator('#email-hint').textContent()).toContain('The address you made the request with');
    expect(await page.getByLabel('Where do you live?').isVisible()).toBe(false);
    await page.getByLabel('Your email address').fill('link@example.com');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByLabel('Code from the email').waitFor();
    expect(await page.locator('#verify-intro').textContent()).toContain('We sent a 6-digit code to l***@example.com');
    const mail = await smtp.waitFor((m) => m.to.includes('link@example.com') && m.subject === 'Your code for a new download link', 60_000);
    await page.getByLabel('Code from the email').fill(/verification code is (\d{6})\./.exec(mail.text)![1]!);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain(`We emailed a new link to l***@example.com for the copy of your data (request ${id}, answered on`);
    const again = await smtp.waitFor((m) => m.to.includes('link@example.com') && m.subject === 'A new link to your privacy request', 60_000);
    expect(again.text).toContain(`Reference: ${id}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says in a page what is wrong when the link has no valid writeKey', async () => {
    const response = await fetch(`${sluice.url}/privacy?writeKey=nope`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('The link to this page needs ?writeKey=');
  });

  it('names the business the person asks as the workspace described its controller, not the source (a name such as "Default source")', async () => {
    const pageText = async () => (await fetch(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`)).text();
    expect(await pageText()).toContain('Ask Default source for a copy');
    const described = await ownerApi(sluice)('PUT', '/disclosures/controller', { controllerName: 'Shop Example Ltd', controllerContact: 'privacy@shop.example', country: 'IE', securityMeasures: [] });
    expect(described.status).toBe(200);
    const html = await pageText();
    expect(html).toContain('<title>Your privacy choices: Shop Example Ltd</title>');
    expect(html).toContain('Ask Shop Example Ltd for a copy');
  });
});
