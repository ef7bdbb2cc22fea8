import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

/**
 * The console's "Objections to decide" (decision 0607): an objection to purposes no consent category covers waits for
 * the privacy team, who decide each purpose in the row (stopped, or refused with the grounds), in headless Chromium
 * against a real Sluice; the server's refusal to record direct marketing as refused is shown.
 */
describe.skipIf(skip)('objections to decide in the console', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
    page = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('decides each purpose in the row, refusing on grounds but never direct marketing, and the request completes', async () => {
    const api = ownerApi(sluice);
    const created = await api('POST', '/privacy-requests', { type: 'object', subject: { userId: 'ui-obj' }, purposes: ['credit scoring', 'Newsletter'], verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.objectionPurposesToDecide ? true : undefined), 30_000);

    await page.goto(`${sluice.url}/privacy-requests`);
    await page.getByRole('tab', { name: 'Objections to decide' }).click();
    const row = page.getByRole('row', { name: new RegExp(id) });
    await expect.poll(() => row.textContent()).toContain('Waits for your decision on “credit scoring”, “Newsletter”: no consent category covers them');
    await page.getByRole('button', { name: `Decide the objection ${id}` }).click();
    const form = page.getByRole('form', { name: `Decide the objection ${id}` });
    const submit = form.getByRole('button', { name: 'Record the decision and answer the person' });
    expect(await submit.isDisabled()).toBe(true);
    await form.getByLabel('Decision on “credit scoring”').selectOption('refused');
    await form.getByLabel('Grounds for going on with “credit scoring” (the person is told)').fill('fraud prevention required of us');
    await form.getByLabel('Decision on “Newsletter”').selectOption('refused');
    await form.getByLabel('Grounds for going on with “Newsletter” (the person is told)').fill('we like it');
    await submit.click();
    // Direct marketing cannot be refused: the server says so, and nothing was recorded.
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Art. 21(3)');
    expect((await api('GET', `/privacy-requests/${id}`)).body.status).toBe('processing');

    await page.getByRole('button', { name: `Decide the objection ${id}` }).click();
    await form.getByLabel('Decision on “credit scoring”').selectOption('refused');
    await form.getByLabel('Grounds for going on with “credit scoring” (the person is told)').fill('fraud prevention required of us');
    await form.getByLabel('What was stopped for “Newsletter”, and where').fill('unsubscribed in the mailing tool');
    await submit.click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(id) }).count()).toBe(0);
    await page.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(id) }).textContent()).toMatch(/completed.*“credit scoring”: refused by member:\S+ \(owner@example\.com\).*“Newsletter”: stopped by/);
    expect(errors).toEqual([]);
  });
});
