import { TOTP, URI } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Console login for a member with two-factor on: the password alone brings up the code field, a wrong code is
 * refused where it was typed, the authenticator's code logs in; and "forgot password" works from the login page.
 */
const skip = chromiumMissing() || consoleBuildMissing();
const PASSWORD = 'a long enough password';

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
});
