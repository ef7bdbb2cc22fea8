import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP, URI } from 'otpauth';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { startSmtpCapture } from './support/smtp-capture.js';
import { shot as docsShot, otherPersonTab, ownerPage } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-members-ui.integration.test.ts` refreshes docs/screenshots/members.png.

/**
 * The console's members page in headless Chromium against a real Sluice (split from console-admin-ui): invitations,
 * roles, password resets, two-factor resets, invitation emails. Asserts on what the admin and the invited person see.
 */
describe.skipIf(skip)('console admin pages in headless Chromium against a real Sluice', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const shot = (name: string, target: Page = page) => docsShot(target, name, 'viewport');
  /** A second person in their own browser (own cookies). */
  const otherBrowser = () => otherPersonTab(browser, errors);

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors, { viewport: { width: 1366, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  const roleOf = async (email: string) =>
    (await fetch(`${sluice.url}/api/v1/members`, { headers: { authorization: `Bearer ${sluice.token}` } }).then((r) => r.json() as Promise<{ members: { email: string; role: string }[] }>)).members.find((m) => m.email === email)?.role;

  it('invites a member who joins from the link, changes their role only once confirmed, resets their password and removes them', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    // Before any link, the live region for them is there but draws nothing (it was an empty green bar).
    const linksRegion = page.getByRole('status', { name: 'One-time links' });
    await page.getByRole('button', { name: 'Invite' }).waitFor();
    expect((await linksRegion.boundingBox())?.height ?? 0).toBe(0);
    await page.getByLabel('Email').fill('pat@example.com');
    await page.getByLabel('Name').fill('Pat Privacy');
    await page.getByLabel('Role', { exact: true }).selectOption('privacy');
    await page.getByRole('button', { name: 'Invite' }).click();
    const patItem = page.getByTestId('one-time-link-item').filter({ hasText: 'pat@example.com' });
    await patItem.waitFor();
    // No SMTP in this test: the notice says the email is in the development outbox, not that none was sent.
    expect(await patItem.textContent()).toContain('No mail server is configured (development mode): the invitation email to pat@example.com was not delivered; it is kept in the development outbox');
    const inviteUrl = (await patItem.getByTestId('one-time-link').textContent())!;
    expect(inviteUrl).toMatch(/\/invite\?token=/);
    await expect.poll(() => page.getByRole('row', { name: /pat@example.com/ }).textContent()).toContain('invited');
    // A second invitation does not push the first link out of view.
    await page.getByLabel('Email').fill('sam@example.com');
    await page.getByLabel('Name').fill('Sam Support');
    await page.getByRole('button', { name: 'Invite' }).click();
    await expect.poll(() => page.getByTestId('one-time-link-item').count()).toBe(2);
    expect(await page.getByTestId('one-time-link-item').first().textContent()).toContain('sam@example.com');
    expect(await patItem.getByTestId('one-time-link').textContent()).toBe(inviteUrl);
    await shot('members');
    // Sam has not joined: no password to reset, but a new invitation link (a lost one), the earlier one void.
    const samRow = page.getByRole('row', { name: /sam@example.com/ });
    expect(await samRow.getByRole('button', { name: 'Send sam@example.com a password reset link' }).count()).toBe(0);
    const samFirstUrl = (await page.getByTestId('one-time-link-item').filter({ hasText: 'Invitation for sam@example.com' }).getByTestId('one-time-link').textContent())!;
    await samRow.getByRole('button', { name: 'Send sam@example.com a new invitation link' }).click();
    const samAgain = page.getByTestId('one-time-link-item').filter({ hasText: 'New invitation for sam@example.com' });
    await samAgain.waitFor();
    const samOld = await fetch(`${sluice.url}/api/v1/auth/accept-invite`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: samFirstUrl.split('token=')[1], password: 'sams long password' }) });
    expect(samOld.status).toBe(400);
    expect(await samAgain.getByTestId('one-time-link').textContent()).toMatch(/\/invite\?token=/);

    const pat = await otherBrowser();
    await pat.tab.goto(inviteUrl);
    await pat.tab.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    await pat.tab.getByLabel('Password', { exact: true }).fill('pats secret password');
    await pat.tab.getByLabel('Repeat the password').fill('pats secret password typo');
    await pat.tab.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => pat.tab.getByRole('alert').textContent()).toContain('differ');
    await pat.tab.getByLabel('Repeat the password').fill('pats secret password');
    await pat.tab.getByRole('button', { name: 'Join' }).click();
    await pat.tab.getByRole('link', { name: 'Pat Privacy' }).waitFor();
    expect(await pat.tab.locator('.who .badge').textContent()).toBe('privacy');

    await page.reload();
    const row = page.getByRole('row', { name: /pat@example.com/ });
    await expect.poll(() => row.textContent()).toContain('active');
    // Choosing a role changes nothing yet; Change… asks, saying what they lose.
    await row.getByLabel('Role of pat@example.com').selectOption('viewer');
    await row.getByRole('button', { name: 'Change the role of pat@example.com to viewer' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm the role change of pat@example.com' });
    expect(await confirm.textContent()).toContain('They will no longer be able to');
    expect(await confirm.textContent()).toContain('personal data (pii_access)');
    expect(await roleOf('pat@example.com')).toBe('privacy');
    // The list's reload after the change is held back: the row shows the new role from the change's own answer.
    const slowList = async (route: Route) => {
      if (route.request().method() === 'GET') await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    };
    await page.route('**/api/v1/members', slowList);
    await confirm.getByRole('button', { name: 'Change pat@example.com to viewer' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'pat@example.com is now viewer.' }).count()).toBe(1);
    expect(await row.getByLabel('Role of pat@example.com').inputValue()).toBe('viewer');
    expect(await roleOf('pat@example.com')).toBe('viewer');
    // Waits for a held request to go on (unrouting under it would continue it twice).
    await page.unrouteAll({ behavior: 'wait' });

    // Arrowing through the select with the keyboard promotes nobody; the confirmation names the personal data gained.
    await row.getByLabel('Role of pat@example.com').focus();
    await page.keyboard.press('ArrowUp');
    const change = row.getByRole('button', { name: 'Change the role of pat@example.com to engineer' });
    await change.waitFor();
    expect(await roleOf('pat@example.com')).toBe('viewer');
    await change.click();
    expect(await confirm.textContent()).toContain('They gain access to personal data (pii_access).');
    expect(await confirm.textContent()).toContain('creating, disabling and re-keying sources');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => change.evaluate((el) => el === document.activeElement)).toBe(true);
    await row.getByRole('button', { name: 'Keep pat@example.com as viewer' }).click();
    expect(await roleOf('pat@example.com')).toBe('viewer');

    // Requiring a new password ends the member's sessions: it asks first, and Cancel changes nothing.
    await row.getByRole('button', { name: 'Send pat@example.com a password reset link' }).click();
    const resetPrompt = page.getByRole('group', { name: 'Confirm a password reset for pat@example.com' });
    expect(await resetPrompt.textContent()).toContain('their API tokens are refused until they set a new one');
    await resetPrompt.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('one-time-link-item').filter({ hasText: 'Password reset for pat@example.com' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Send pat@example.com a password reset link' }).click();
    await page.getByRole('button', { name: 'Reset the password of pat@example.com' }).click();
    const resetItem = page.getByTestId('one-time-link-item').filter({ hasText: 'Password reset for pat@example.com' });
    await resetItem.waitFor();
    expect(await resetItem.textContent()).toContain('the password reset email to pat@example.com was not delivered');
    const resetUrl = (await resetItem.getByTestId('one-time-link').textContent())!;
    expect(resetUrl).toMatch(/\/reset-password\?token=/);
    await pat.tab.goto(resetUrl);
    await pat.tab.getByLabel('New password', { exact: true }).fill('pats new password!');
    await pat.tab.getByLabel('Repeat the password').fill('pats new password!');
    await pat.tab.getByRole('button', { name: 'Set password' }).click();
    await pat.tab.getByRole('link', { name: 'Pat Privacy' }).waitFor();
    expect(await pat.tab.locator('.who .badge').textContent()).toBe('viewer');
    await pat.other.close();

    await row.getByRole('button', { name: 'Remove pat@example.com' }).click();
    await page.getByRole('button', { name: 'Yes, remove pat@example.com' }).click();
    await expect.poll(() => page.getByRole('row', { name: /pat@example.com/ }).count()).toBe(0);
  });

  it("turns off a member's two-factor after a confirmation, ending their sessions", async () => {
    const invited = await api<{ inviteToken: string; member: { id: string } }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'tess@example.com', name: 'Tess', role: 'engineer' } });
    expect(invited.status, invited.text).toBe(201);
    const tess = new ConsoleClient(sluice.url);
    expect((await tess.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'tess long password' })).status).toBe(200);
    const enrolled = await tess.call<{ otpauthUri: string }>('POST', '/me/two-factor');
    const totp = URI.parse(enrolled.body.otpauthUri) as TOTP;
    expect((await tess.call('POST', '/me/two-factor/confirm', { code: totp.generate() })).status).toBe(200);

    await page.goto(`${sluice.url}/members`);
    const row = page.getByRole('row', { name: /tess@example.com/ });
    await expect.poll(() => row.textContent()).toContain('two-factor');
    await row.getByRole('button', { name: 'Reset two-factor for tess@example.com' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm resetting two-factor for tess@example.com' });
    expect(await confirm.textContent()).toContain('Their sessions end now');
    await confirm.getByRole('button', { name: 'Turn off two-factor for tess@example.com' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Two-factor authentication is off for tess@example.com' }).count()).toBe(1);
    await expect.poll(() => row.textContent()).not.toContain('two-factor');
    const members = await api<{ members: { email: string; twoFactorEnabled: boolean }[] }>(sluice.url, 'GET', '/members', { token: sluice.token });
    expect(members.body.members.find((m) => m.email === 'tess@example.com')?.twoFactorEnabled).toBe(false);
    expect((await tess.call('GET', '/auth/session')).status).toBe(401);
  });

  it('says the invitation was emailed when SMTP is configured, and when the mail server refused it', async () => {
    const smtp = await startSmtpCapture({ refuse: (address) => address.startsWith('bounce') });
    const mailing = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'sluice@example.test' });
    const { other, tab } = await otherBrowser();
    try {
      await tab.goto(mailing.url);
      await tab.getByRole('button', { name: 'Log in with an API token instead' }).click();
      await tab.getByLabel('API token').fill(mailing.token);
      await tab.getByRole('button', { name: 'Log in', exact: true }).click();
      await tab.getByRole('heading', { name: 'Overview' }).waitFor();
      await tab.goto(`${mailing.url}/members`);
      await tab.getByLabel('Email').fill('mia@example.com');
      await tab.getByLabel('Name').fill('Mia');
      await tab.getByRole('button', { name: 'Invite' }).click();
      const mia = tab.getByTestId('one-time-link-item').filter({ hasText: 'mia@example.com' });
      await expect.poll(() => mia.textContent()).toContain('The invitation email was sent to mia@example.com.');
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes('mia@example.com'));
      expect(mail.text).toContain((await mia.getByTestId('one-time-link').textContent())!.split('token=')[1]!);

      await tab.getByLabel('Email').fill('bounce@example.com');
      await tab.getByLabel('Name').fill('Bo');
      await tab.getByRole('button', { name: 'Invite' }).click();
      const bounce = tab.getByTestId('one-time-link-item').filter({ hasText: 'bounce@example.com' });
      await expect.poll(() => bounce.textContent()).toContain('The invitation email to bounce@example.com could not be sent');
      expect(await tab.getByTestId('one-time-link-item').count()).toBe(2);
    } finally {
      await other.close();
      await mailing.stop();
      await smtp.close();
    }
  });

  it("gives someone invited a new invitation naming the role when their role changes before they join, and lists its link", async () => {
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'ivy@example.com', name: 'Ivy', role: 'viewer' } });
    await page.goto(`${sluice.url}/members`);
    const row = page.getByRole('row', { name: /ivy@example.com/ });
    await expect.poll(() => row.textContent()).toContain('invited');
    await row.getByLabel('Role of ivy@example.com').selectOption('engineer');
    await row.getByRole('button', { name: 'Change the role of ivy@example.com to engineer' }).click();
    await page.getByRole('group', { name: 'Confirm the role change of ivy@example.com' }).getByRole('button', { name: 'Change ivy@example.com to engineer' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'ivy@example.com will join as engineer: a new invitation naming it replaces the earlier one.' }).count()).toBe(1);
    const item = page.getByTestId('one-time-link-item').filter({ hasText: 'New invitation for ivy@example.com (engineer)' });
    await item.waitFor();
    const token = new URL((await item.getByTestId('one-time-link').textContent())!).searchParams.get('token')!;
    expect(token).not.toBe(invited.body.inviteToken);
    // The new link makes Ivy an engineer; the one sent before (naming viewer) no longer works.
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'ivy chose this password' })).body).toMatchObject({ error: { code: 'invalid_link' } });
    const joined = await new ConsoleClient(sluice.url).call<{ member: { role: string } }>('POST', '/auth/accept-invite', { token, password: 'ivy chose this password' });
    expect(joined.body.member.role).toBe('engineer');
  });

  it('shows no script error on the members pages', () => {
    expect(errors).toEqual([]);
  });
});
