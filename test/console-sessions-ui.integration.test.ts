import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { addMember, memberPage, ownerPage } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();

/** The Sessions section of "Your account", in headless Chromium: a member ends a session they do not recognise, then the rest. */
describe.skipIf(skip)('console sessions section', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  const errors: string[] = [];
  const member = { email: 'sam@example.com', name: 'Sam', role: 'engineer', password: 'sam has a long password' };

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('lists the sessions, ends one, then logs out the others, keeping this one', async () => {
    await addMember(sluice, member);
    const page = await memberPage(browser, sluice, member, errors);
    // Two other logins, as from other computers.
    const other = new ConsoleClient(sluice.url);
    await other.login(member.email, member.password);
    const third = new ConsoleClient(sluice.url);
    await third.login(member.email, member.password);

    await page.getByRole('link', { name: member.name, exact: true }).click();
    const section = page.getByRole('region', { name: 'Sessions' });
    const table = section.getByRole('table', { name: 'Your sessions' });
    // The invitation's session, the browser's and the two clients'.
    await expect.poll(() => table.getByRole('row').count()).toBe(5);
    const current = table.getByRole('row').filter({ hasText: 'this session' });
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain('Chrome on Linux');
    expect(await current.getByRole('button').count()).toBe(0);

    await table.getByRole('button', { name: /^End the session of/ }).first().click();
    await expect.poll(() => section.getByRole('status').textContent()).toContain('Ended the session of');
    await expect.poll(() => table.getByRole('row').count()).toBe(4);

    await section.getByRole('button', { name: 'Log out other sessions' }).click();
    await expect.poll(() => section.getByRole('status').textContent()).toBe('Logged out 2 other sessions.');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await section.getByRole('button', { name: 'Log out other sessions' }).isDisabled()).toBe(true);
    expect((await other.call('GET', '/sources')).status).toBe(401);
    expect((await third.call('GET', '/sources')).status).toBe(401);
    expect(await page.getByRole('heading', { name: 'Your account' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });

  it("lets the owner log a member out everywhere from the members page", async () => {
    const member2 = { email: 'lee@example.com', name: 'Lee', role: 'viewer', password: 'lee has a long password' };
    await addMember(sluice, member2);
    const lee = new ConsoleClient(sluice.url);
    await lee.login(member2.email, member2.password);
    const page = await ownerPage(browser, sluice, errors);
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('button', { name: 'Log lee@example.com out everywhere' }).click();
    const prompt = page.getByRole('group', { name: 'Confirm logging out lee@example.com everywhere' });
    expect(await prompt.textContent()).toContain('their API tokens keep working');
    await prompt.getByRole('button', { name: 'Log out lee@example.com everywhere' }).click();
    await expect.poll(() => page.getByText(/lee@example\.com was logged out of 2 sessions/).count()).toBe(1);
    expect((await lee.call('GET', '/sources')).status).toBe(401);
    await lee.login(member2.email, member2.password);
    expect(errors).toEqual([]);
  });
});
