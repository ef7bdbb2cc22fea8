import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, holdRequests, launchChromium, setUpOwner } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { RecordingServer } from './support/recording-server.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };
const PIA = { email: 'pia@example.com', password: 'pias long password' };

interface RequestView {
  id: string;
  type: string;
  status: string;
  regulation: string;
  params?: { traits?: Record<string, unknown> };
}

/**
 * The privacy team's console: filing requests of every kind (corrections with their traits, the regulation),
 * the workspace's request settings, and acting on requests with a second person's approval, in headless
 * Chromium against a real Sluice whose deletions reach a real local webhook.
 */
describe.skipIf(skip)('privacy requests in the console, as the privacy team', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let hook: RecordingServer;
  let browser: Browser;
  let owner: Page;
  let piaContext: BrowserContext;
  let pia: Page;
  const errors: string[] = [];
  const requests = async () => (await api<{ requests: RequestView[] }>(sluice.url, 'GET', '/privacy-requests?limit=100', { token: sluice.token })).body.requests;
  const newestOf = async (type: string) => (await requests()).find((r) => r.type === type);

  beforeAll(async () => {
    hook = await RecordingServer.start();
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    // A destination that deletions are forwarded to: the test holds its answer to keep a deletion processing.
    const created = await api(sluice.url, 'POST', '/destinations', { token: sluice.token, body: { name: 'CRM hook', type: 'webhook', config: { url: hook.url } } });
    expect(created.status, created.text).toBe(201);
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: PIA.email, name: 'Pia Privacy', role: 'privacy' } });
    expect(invited.status, invited.text).toBe(201);
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PIA.password })).status).toBe(200);

    browser = await launchChromium();
    owner = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    owner.setDefaultTimeout(15_000);
    owner.on('pageerror', (error) => errors.push(error.message));
    await setUpOwner(owner, sluice.url, sluice.bootstrap.setupToken!, OWNER);

    piaContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    pia = await piaContext.newPage();
    pia.setDefaultTimeout(15_000);
    pia.on('pageerror', (error) => errors.push(error.message));
    await pia.goto(sluice.url);
    await pia.getByLabel('Email').fill(PIA.email);
    await pia.getByLabel('Password').fill(PIA.password);
    await pia.getByRole('button', { name: 'Log in', exact: true }).click();
    await pia.getByRole('heading', { name: 'Overview' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await hook?.close();
  });

  it('files a correct request with its corrected traits, refusing one without them where they are typed', async () => {
    await owner.getByRole('link', { name: 'Privacy requests' }).click();
    await owner.getByLabel('Type').selectOption('correct');
    await owner.getByLabel('Subject', { exact: true }).selectOption('userId');
    await owner.getByLabel('Subject identifier').fill('ada');
    await owner.getByRole('button', { name: 'Open request' }).click();
    const problems = owner.locator('#trait-problems');
    await expect.poll(() => problems.textContent()).toContain('A correct request needs at least one corrected trait');
    await expect.poll(() => owner.getByLabel('Trait 1 name').evaluate((el) => el === document.activeElement)).toBe(true);

    await owner.getByLabel('Trait 1 name').fill('email');
    await owner.getByLabel('Trait 1 value').fill('ada@new.example.com');
    await owner.getByRole('button', { name: 'Add trait' }).click();
    await owner.getByLabel('Trait 2 name').fill('email');
    await owner.getByLabel('Trait 2 value').fill('other@example.com');
    await owner.getByRole('button', { name: 'Open request' }).click();
    await expect.poll(() => problems.textContent()).toContain('Trait 2: "email" is given twice');
    expect(await owner.getByLabel('Trait 2 name').getAttribute('aria-invalid')).toBe('true');
    await owner.getByLabel('Trait 2 name').fill('lastName');
    await owner.getByLabel('Trait 2 value').fill('Lovelace');
    await owner.getByRole('button', { name: 'Open request' }).click();
    await owner.getByRole('row', { name: /correct.*userId: ada/ }).waitFor();
    expect((await newestOf('correct'))?.params?.traits).toEqual({ email: 'ada@new.example.com', lastName: 'Lovelace' });
  });

  it('files a CCPA request as CCPA, and saves the request settings (approval, default regulation)', async () => {
    await owner.getByLabel('Type').selectOption('know');
    await owner.getByLabel('Regulation', { exact: true }).selectOption('ccpa');
    await owner.getByLabel('Subject', { exact: true }).selectOption('email');
    await owner.getByLabel('Subject identifier').fill('carl@example.com');
    await owner.getByRole('button', { name: 'Open request' }).click();
    await owner.getByRole('row', { name: /know CCPA.*email: carl@example.com/ }).waitFor();
    expect((await newestOf('know'))?.regulation).toBe('ccpa');

    const form = owner.getByRole('form', { name: 'Request settings' });
    expect(await form.getByLabel('Require approval').isChecked()).toBe(false);
    await form.getByLabel('Require approval').check();
    await form.getByLabel('Default regulation').selectOption('ccpa');
    expect(await form.getByLabel('Close unverified requests after (days)').inputValue()).toBe('7');
    await form.getByLabel('Close unverified requests after (days)').fill('14');
    // The save is held: meanwhile the form is locked (its answer replaces the form, which would undo an edit).
    const hold = await holdRequests(owner, '**/api/v1/privacy-requests/settings', 'PUT');
    try {
      await form.getByRole('button', { name: 'Save request settings' }).click();
      await expect.poll(() => form.getByLabel('Default regulation').isDisabled()).toBe(true);
      expect(await form.getByRole('button', { name: 'Saving…' }).isDisabled()).toBe(true);
    } finally {
      hold.release();
    }
    await expect.poll(() => form.getByRole('status').textContent()).toContain('Request settings saved.');
    await hold.stop();
    expect(await form.getByLabel('Default regulation').isEnabled()).toBe(true);
    expect((await api(sluice.url, 'GET', '/privacy-requests/settings', { token: sluice.token })).body).toEqual({ requireApproval: true, defaultRegulation: 'ccpa', closeUnverifiedAfterDays: 14 });
    await owner.reload();
    await expect.poll(() => owner.getByLabel('Regulation', { exact: true }).locator('option').first().textContent()).toBe('workspace default (CCPA)');
    expect(await owner.getByRole('form', { name: 'Request settings' }).getByLabel('Require approval').isChecked()).toBe(true);
    expect(await owner.getByRole('form', { name: 'Request settings' }).getByLabel('Close unverified requests after (days)').inputValue()).toBe('14');
  });

  it('offers Approve only to someone other than who verified, asks first naming the deletion and its subject, and follows it to completed', async () => {
    // Each deletion forwarded to the webhook is answered after 3 s: the request stays processing meanwhile.
    hook.respond = (request) => ((request.body as { type?: string }).type === 'delete' ? { status: 200, delayMs: 3_000 } : { status: 200 });
    await owner.getByLabel('Type').selectOption('delete');
    await owner.getByLabel('Subject', { exact: true }).selectOption('email');
    await owner.getByLabel('Subject identifier').fill('ada@example.com');
    await owner.getByLabel('identity verified by me').check();
    await owner.getByRole('button', { name: 'Open request' }).click();
    const ownerRow = owner.getByRole('row', { name: /delete.*email: ada@example.com/ });
    await expect.poll(() => ownerRow.textContent()).toContain('awaiting_approval');
    const id = (await newestOf('delete'))!.id;
    // The owner verified it: no Approve for them, and the page says why.
    expect(await ownerRow.textContent()).toContain('You verified this request; another member with privacy:write must approve it.');
    expect(await owner.getByRole('button', { name: `Approve delete request ${id}` }).count()).toBe(0);
    expect(await owner.getByRole('button', { name: `Deny delete request ${id}` }).count()).toBe(1);

    await pia.goto(`${sluice.url}/privacy-requests`);
    await pia.getByRole('button', { name: `Approve delete request ${id}` }).click();
    const confirm = pia.getByRole('group', { name: `Confirm: approve delete request ${id}` });
    const text = await confirm.textContent();
    expect(text).toContain('email: ada@example.com');
    expect(text).toContain('This cannot be undone.');
    expect((await newestOf('delete'))?.status).toBe('awaiting_approval');
    await confirm.getByRole('button', { name: 'Approve the delete request' }).click();
    const piaRow = pia.getByRole('row', { name: /delete.*email: ada@example.com/ });
    await expect.poll(() => piaRow.textContent()).toContain('processing');
    // While it is processing the list reads itself again; no reload: it ends completed with its result.
    await expect.poll(() => piaRow.textContent(), { timeout: 30_000 }).toContain('completed');
    expect(await pia.getByRole('button', { name: `Download the result of delete request ${id}` }).count()).toBe(1);
    expect(await pia.getByRole('button', { name: `Deny delete request ${id}` }).count()).toBe(0);
    expect(hook.requests.some((r) => (r.body as { type?: string }).type === 'delete')).toBe(true);
    // The certificate in brief, in the row: what each destination answered (before, only by downloading the JSON).
    const forwarded = pia.getByRole('list', { name: `Where the erasure of delete request ${id} was forwarded` });
    expect(await forwarded.getByRole('listitem').allTextContents()).toEqual(['CRM hook: deleted']);
    expect(await forwarded.getByRole('listitem').first().getAttribute('title')).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/hook answered 2xx$/);
  });

  it('asks for the reason before denying, naming the request and its subject', async () => {
    await owner.getByLabel('Type').selectOption('access');
    await owner.getByLabel('Subject', { exact: true }).selectOption('userId');
    await owner.getByLabel('Subject identifier').fill('bob');
    await owner.getByRole('button', { name: 'Open request' }).click();
    const row = owner.getByRole('row', { name: /access.*userId: bob/ });
    await expect.poll(() => row.textContent()).toContain('verifying');
    const id = (await newestOf('access'))!.id;
    // Filed without a contact address, so no receipt was emailed: the team records the letter they sent.
    // Its words say what it does (before, a bare "Receipt confirmed" beside an open request read as its state).
    expect(await owner.getByRole('button', { name: `Record the receipt confirmation of access request ${id}` }).textContent()).toBe('Record receipt confirmed');
    await owner.getByRole('button', { name: `Record the receipt confirmation of access request ${id}` }).click();
    await expect.poll(() => owner.getByRole('button', { name: `Record the receipt confirmation of access request ${id}` }).count()).toBe(0);
    expect(await newestOf('access')).toMatchObject({ receiptConfirmedAt: expect.any(String), receiptOverdue: false });
    await owner.getByRole('button', { name: `Deny access request ${id}` }).click();
    const form = owner.getByRole('form', { name: `Deny the access request ${id}` });
    expect(await form.textContent()).toContain('userId: bob');
    expect(await form.getByRole('button', { name: 'Deny the access request' }).isDisabled()).toBe(true);
    await form.getByLabel('Reason for the denial (the subject is told)').fill('We could not verify your identity.');
    await form.getByRole('button', { name: 'Deny the access request' }).click();
    await expect.poll(() => row.textContent()).toContain('denied');
    expect(await row.textContent()).toContain('We could not verify your identity.');
    expect(errors).toEqual([]);
  });

  it('sends the subject a new download link for a completed access request, saying where it went', async () => {
    expect((await api(sluice.url, 'PUT', '/privacy-requests/settings', { token: sluice.token, body: { requireApproval: false } })).status).toBe(200);
    const made = await api<{ id: string }>(sluice.url, 'POST', '/privacy-requests', { token: sluice.token, body: { type: 'access', subject: { email: 'ivy@example.com' }, verified: true } });
    expect(made.status, made.text).toBe(201);
    const id = made.body.id;
    await expect.poll(async () => (await requests()).find((r) => r.id === id)?.status, { timeout: 30_000 }).toBe('completed');
    await owner.reload();
    await owner.getByRole('button', { name: `Send a new download link for access request ${id}` }).click();
    await expect.poll(() => owner.getByRole('status').filter({ hasText: 'new download link' }).textContent()).toContain(`A new download link to the access request ${id} is being emailed to ivy@example.com.`);
    const history = (await api<{ history: { action: string }[] }>(sluice.url, 'GET', `/privacy-requests/${id}`, { token: sluice.token })).body.history;
    expect(history.map((h) => h.action)).toContain('link_sent');
    // Only completed access and know requests with a contact address offer it (the denied request above has none).
    expect(await owner.getByRole('button', { name: /^Send a new download link for/ }).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('files a request by userId with a contact email, so the person is told and can be sent a new link', async () => {
    await owner.getByLabel('Type').selectOption('access');
    await owner.getByLabel('Subject', { exact: true }).selectOption('userId');
    await owner.getByLabel('Subject identifier').fill('kofi-user');
    expect(await owner.locator('#rq-contact-hint').textContent()).toContain('the person hears nothing from Sluice');
    await owner.getByLabel('Contact email').fill('kofi@example.com');
    await owner.getByLabel('identity verified by me').check();
    await owner.getByRole('button', { name: 'Open request' }).click();
    await expect.poll(async () => (await requests()).find((r) => r.type === 'access' && (r as RequestView & { subject: Record<string, string> }).subject.userId === 'kofi-user')?.status, { timeout: 30_000 }).toBe('completed');
    const made = (await requests()).find((r) => r.type === 'access' && (r as RequestView & { subject: Record<string, string> }).subject.userId === 'kofi-user')!;
    expect((made as RequestView & { contactEmail?: string }).contactEmail).toBe('kofi@example.com');
    expect(await owner.getByLabel('Contact email').inputValue()).toBe('');
    await owner.reload();
    await owner.getByRole('button', { name: `Send a new download link for access request ${made.id}` }).waitFor();
    expect(errors).toEqual([]);
  });

  it("files a request in the subject's language, and shows it on the request", async () => {
    await owner.getByLabel('Type').selectOption('restrict');
    await owner.getByLabel('Subject', { exact: true }).selectOption('email');
    await owner.getByLabel('Subject identifier').fill('hanne@example.com');
    await owner.getByLabel('Language of the emails').selectOption('de');
    await owner.getByRole('button', { name: 'Open request' }).click();
    await owner.getByRole('row', { name: /restrict.*Deutsch.*email: hanne@example.com/ }).waitFor();
    expect(((await newestOf('restrict')) as (RequestView & { language?: string }) | undefined)?.language).toBe('de');
    expect(errors).toEqual([]);
  });
});
