import { TOTP, URI } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrCodePath } from '../console/src/components/qr-code-path.js';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { shot } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Console login for a member with two-factor on: the password alone brings up the code field, a wrong code is
 * refused where it was typed, the authenticator's code logs in; and "forgot password" works from the login page.
 * A member turns two-factor on and off from their Account page.
 */
const skip = chromiumMissing() || consoleBuildMissing();
const PASSWORD = 'a long enough password';
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-two-factor.integration.test.ts` refreshes docs/screenshots/account-*.png.

describe.skipIf(skip)('console login with two-factor in headless Chromium', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let totp: TOTP;
  let memberId: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    sluice = await startTestSluice();
    const invited = await api<{ inviteToken: string; member: { id: string } }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'tfa@example.com', name: 'Tess', role: 'admin' } });
    expect(invited.status, invited.text).toBe(201);
    memberId = invited.body.member.id;
    const client = new ConsoleClient(sluice.url);
    expect((await client.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
    const enrolled = await client.call<{ otpauthUri: string }>('POST', '/me/two-factor');
    totp = URI.parse(enrolled.body.otpauthUri) as TOTP;
    const confirmed = await client.call<{ recoveryCodes: string[] }>('POST', '/me/two-factor/confirm', { code: totp.generate() });
    expect(confirmed.status).toBe(200);
    recoveryCodes = confirmed.body.recoveryCodes;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('asks for the code after the password, refuses a wrong one, and logs in with the right one', async () => {
    const page = await browser.newPage();
    await page.goto(sluice.url);
    await page.getByLabel('Email').fill('tfa@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    // The code of the next step: the one used to confirm enrolment may not be used again.
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    await codeField.fill(String((Number(next) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('two_factor_code_invalid');
    await codeField.fill(next);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.close();
  });

  it('sends a reset link from the login page ("forgot password")', async () => {
    const page = await browser.newPage();
    await page.goto(sluice.url);
    // Before an email is typed the link still works: it says what it needs and puts the cursor there.
    await page.getByRole('button', { name: 'Forgot your password? Email me a reset link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Type the email address of your account above');
    expect(await page.getByLabel('Email').evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByLabel('Email').fill('tfa@example.com');
    await page.getByRole('button', { name: 'Forgot your password? Email me a reset link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('a link to choose a new password is on its way');
    // Development mode (no SMTP): the message is in the outbox.
    const outbox = await api<{ messages: { to: string; subject: string }[] }>(sluice.url, 'GET', '/outbox', { token: sluice.token });
    expect(outbox.body.messages.some((m) => m.to === 'tfa@example.com')).toBe(true);
    await page.close();
  });

  it('asks for the code on the password-reset page too (a recovery code works), and the reset logs in', async () => {
    const reset = await api<{ resetToken: string }>(sluice.url, 'POST', `/members/${memberId}/require-password-reset`, { token: sluice.token });
    expect(reset.status, reset.text).toBe(200);
    const page = await browser.newPage();
    await page.goto(`${sluice.url}/reset-password?token=${reset.body.resetToken}`);
    await page.getByLabel('New password').fill('another long password');
    await page.getByLabel('Repeat the password').fill('another long password');
    await page.getByRole('button', { name: 'Set password' }).click();
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    // A recovery code (the login test above used the next step's authenticator code).
    await codeField.fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.close();
  });

  it('turns two-factor on from the Account page (QR code of the setup link, key to copy, a wrong code refused, recovery codes shown once and saved) and off with a recovery code', async () => {
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'self@example.com', name: 'Sam Self', role: 'viewer' } });
    expect(invited.status, invited.text).toBe(201);
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(sluice.url);
    await page.getByLabel('Email').fill('self@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('link', { name: 'Sam Self' }).click();
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await expect.poll(() => section.getByTestId('two-factor-status').textContent()).toContain('off');

    await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    // The key, as typed into an app (groups of 4), and the setup link an app opens: the same secret.
    const shown = (await section.getByTestId('two-factor-secret').textContent())!;
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    const setupLink = (await section.getByRole('link', { name: 'Open in authenticator app' }).getAttribute('href'))!;
    const totp = URI.parse(setupLink) as TOTP;
    expect(totp.secret.base32).toBe(shown.replace(/ /g, ''));
    expect(totp.label).toBe('self@example.com');
    // The QR code to scan, drawn in the page: named for screen readers, big enough for a camera, and its dark
    // modules are exactly those of the QR code of that setup link (the same encoder, run here in Node).
    const qr = section.getByRole('img', { name: 'QR code of the setup link, to scan with your authenticator app' });
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(150);
    expect(box.height).toBe(box.width);
    const expected = qrCodePath(setupLink);
    expect(expected.size).toBeGreaterThanOrEqual(21);
    expect(await qr.locator('path').getAttribute('d')).toBe(expected.d);
    expect(await qr.getAttribute('viewBox')).toBe(`-4 -4 ${expected.size + 8} ${expected.size + 8}`);
    await section.getByRole('button', { name: 'Copy key' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(totp.secret.base32);

    await shot(page, 'account-two-factor-setup');
    const code = section.getByLabel('Code from your authenticator app');
    const right = totp.generate();
    await code.fill(String((Number(right) + 1) % 1_000_000).padStart(6, '0'));
    await section.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => section.getByRole('alert').textContent()).toContain('two_factor_code_invalid');
    await code.fill(right);
    await section.getByRole('button', { name: 'Turn on two-factor authentication' }).click();

    // The recovery codes, once, with a "saved" step before going on.
    await section.getByRole('heading', { name: 'Step 3: save your recovery codes' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Step 3: save your recovery codes');
    const codes = await section.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    await shot(page, 'account-recovery-codes');
    const done = section.getByRole('button', { name: 'Done' });
    expect(await done.isDisabled()).toBe(true);
    await section.getByLabel('I have saved these recovery codes').check();
    await done.click();
    await expect.poll(() => section.getByTestId('two-factor-status').textContent()).toContain('10 recovery codes left');
    expect(await section.getByTestId('recovery-codes').count()).toBe(0);
    await page.reload();
    await expect.poll(() => section.getByTestId('two-factor-status').textContent()).toContain('on');
    expect(await section.getByTestId('recovery-codes').count()).toBe(0);
    // Logging in now needs the code.
    const login = await new ConsoleClient(sluice.url).call('POST', '/auth/login', { email: 'self@example.com', password: PASSWORD });
    expect(login.body).toMatchObject({ error: { code: 'two_factor_required' } });

    // Off: a wrong code is refused where it was typed; one of the recovery codes shown works.
    const off = section.getByLabel('Code from your authenticator app, or a recovery code');
    await off.fill('aaaaa-aaaaa');
    await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await expect.poll(() => section.getByRole('alert').textContent()).toContain('two_factor_code_invalid');
    await off.fill(codes[3]!);
    await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await expect.poll(() => section.getByRole('status').textContent()).toContain('Two-factor authentication is off');
    await expect.poll(() => section.getByTestId('two-factor-status').textContent()).toContain('off');
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/login', { email: 'self@example.com', password: PASSWORD })).status).toBe(200);

    // A mistyped current password is shown under the form; it does not log the member out (a 401 that is not `unauthorized`).
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a new long password');
    await page.getByLabel('Repeat the new password').fill('a new long password');
    await page.getByRole('button', { name: 'Save password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The current password is wrong');
    expect(await page.getByRole('heading', { name: 'Your account' }).isVisible()).toBe(true);
    await context.close();
  });
});
