import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };
const PASSWORD = 'a long enough password';

/**
 * What each role is offered in the console, in headless Chromium against a real Sluice: every form and button
 * that changes something is there only for the roles whose permission the API route behind it checks, and a
 * page or form that is about a change says why it is not offered. Read-only data stays visible.
 */
describe.skipIf(skip)('console pages offer each role only what it may do', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let owner: Page;
  let destinationId: string;
  let requestId: string;
  const errors: string[] = [];

  /** A member with `role` who accepted their invitation, logged in in their own browser context. */
  const memberTab = async (role: string, email: string, name: string): Promise<Page> => {
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email, name, role } });
    expect(invited.status, invited.text).toBe(201);
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(sluice.url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    return page;
  };
  /** The destination's page once its settings form (drawn from the catalog) is there. */
  const openDestination = async (page: Page) => {
    await page.goto(`${sluice.url}/destinations/${destinationId}`);
    await page.getByRole('form', { name: 'Webhook destination settings' }).waitFor();
  };
  const note = (page: Page) => page.getByRole('note');

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    const created = await api<{ id: string }>(sluice.url, 'POST', '/destinations', { token: sluice.token, body: { name: 'Order hook', type: 'webhook', config: { url: 'http://127.0.0.1:9/hook' } } });
    expect(created.status, created.text).toBe(201);
    destinationId = created.body.id;
    // A request verified by the owner token that waits for a person's approval.
    expect((await api(sluice.url, 'PUT', '/privacy-requests/settings', { token: sluice.token, body: { requireApproval: true, defaultRegulation: 'gdpr' } })).status).toBe(200);
    const request = await api<{ id: string; status: string }>(sluice.url, 'POST', '/privacy-requests', { token: sluice.token, body: { type: 'access', subject: { userId: 'ada' }, verified: true } });
    expect(request.status, request.text).toBe(201);
    expect(request.body.status).toBe('awaiting_approval');
    requestId = request.body.id;

    browser = await launchChromium();
    owner = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('offers the owner every form and action', async () => {
    await owner.goto(`${sluice.url}/destinations`);
    await owner.getByRole('row', { name: /Order hook/ }).getByRole('button', { name: 'Disable Order hook' }).waitFor();
    expect(await owner.getByRole('link', { name: 'Add destination' }).count()).toBe(1);
    await openDestination(owner);
    expect(await owner.getByRole('button', { name: 'Send test event' }).count()).toBe(1);
    expect(await owner.getByRole('button', { name: 'Save settings' }).isEnabled()).toBe(true);
    expect(await owner.getByLabel('Destination name').isEnabled()).toBe(true);

    await owner.goto(`${sluice.url}/members`);
    await owner.getByRole('form', { name: 'Invite a member' }).waitFor();
    await owner.getByRole('row', { name: /owner@example.com/ }).waitFor();
    expect(await owner.getByLabel('Role of owner@example.com').count()).toBe(1);

    await owner.goto(`${sluice.url}/privacy-requests`);
    await owner.getByRole('button', { name: `Approve access request ${requestId}` }).waitFor();
    expect(await owner.getByRole('form', { name: 'Open a privacy request' }).count()).toBe(1);
    expect(await owner.getByRole('button', { name: 'Save request settings' }).isEnabled()).toBe(true);
    expect(await note(owner).count()).toBe(0);
  });

  it('shows a viewer the data but no control that changes it, and says why where the page is about the change', async () => {
    const viewer = await memberTab('viewer', 'vic@example.com', 'Vic Viewer');
    // The overview's processing alerts (destinations:read): none recorded, and no error.
    await expect.poll(() => viewer.getByRole('region', { name: 'Processing alerts' }).textContent()).toContain('No episode of processing falling behind in the last 90 days.');
    expect(await viewer.getByRole('alert').count()).toBe(0);
    // Destinations: the list, without adding, enabling or disabling.
    await viewer.getByRole('link', { name: 'Destinations' }).click();
    const row = viewer.getByRole('row', { name: /Order hook/ });
    await expect.poll(() => row.textContent()).toContain('enabled');
    expect(await viewer.getByRole('link', { name: 'Add destination' }).count()).toBe(0);
    expect(await row.getByRole('button').count()).toBe(0);
    // The catalog page (typed or bookmarked) says why instead of offering a form the API would refuse.
    await viewer.goto(`${sluice.url}/destinations/new?type=webhook`);
    await note(viewer).waitFor();
    expect(await note(viewer).textContent()).toBe(
      'Your role (viewer) does not allow adding, changing and deleting destinations, replays and retries: that needs the destinations:write permission (owner, admin, engineer).',
    );
    expect(await viewer.getByRole('button', { name: 'Create destination' }).count()).toBe(0);
    // A destination: its settings are shown, read-only; no test send, delete, retry, replay or mute.
    await openDestination(viewer);
    expect(await viewer.getByLabel('Destination name').inputValue()).toBe('Order hook');
    expect(await viewer.getByLabel('Destination name').isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    for (const name of ['Send test event', 'Delete…', 'Retry all failed', 'Start replay', 'Mute alerts']) expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);
    // Previewing sends nothing: it needs only destinations:read.
    expect(await viewer.getByRole('button', { name: 'Preview requests' }).isEnabled()).toBe(true);

    // Sources: the list and the writeKey, no creating, renaming, disabling or rotating.
    await viewer.getByRole('link', { name: 'Sources', exact: true }).click();
    await viewer.getByRole('heading', { name: 'Sources' }).waitFor();
    const source = viewer.getByRole('table').getByRole('link').first();
    await source.waitFor();
    expect(await viewer.getByRole('form', { name: 'Create a source' }).count()).toBe(0);
    await source.click();
    await viewer.getByTestId('write-key').waitFor();
    for (const name of ['Rename', 'Disable source…', 'Rotate writeKey…']) expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);

    // Pages of other roles, opened by their address: what the role lacks, not a form and a 403.
    await viewer.goto(`${sluice.url}/members`);
    await expect.poll(() => note(viewer).textContent()).toContain('Your role (viewer) does not allow seeing the members list');
    expect(await viewer.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    await viewer.goto(`${sluice.url}/privacy-requests`);
    await expect.poll(() => note(viewer).textContent()).toContain('privacy:read permission (owner, admin, privacy)');
    expect(await viewer.getByRole('button', { name: `Approve access request ${requestId}` }).count()).toBe(0);
    expect(await viewer.getByRole('form', { name: 'Open a privacy request' }).count()).toBe(0);
    expect(await viewer.getByRole('alert').count()).toBe(0);

    // The privacy policy: every role reads it; publishing is privacy:write.
    await viewer.getByRole('link', { name: 'Privacy policy' }).click();
    await viewer.getByRole('region', { name: 'Policy in force' }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Publish' }).count()).toBe(0);
    // Profiles: no lookup by email without pii_access, and the page says so.
    await viewer.getByRole('link', { name: 'Profiles' }).click();
    await viewer.getByLabel('userId or anonymousId').waitFor();
    expect(await note(viewer).textContent()).toContain('pii_access');
    await viewer.context().close();
  });

  it('offers an engineer the destination and source forms, but not members, tokens or consent categories', async () => {
    const engineer = await memberTab('engineer', 'eve@example.com', 'Eve Engineer');
    await engineer.getByRole('link', { name: 'Destinations' }).click();
    await engineer.getByRole('row', { name: /Order hook/ }).getByRole('button', { name: 'Disable Order hook' }).waitFor();
    await engineer.getByRole('link', { name: 'Add destination' }).click();
    await engineer.getByRole('link', { name: /^Webhook/ }).click();
    await engineer.getByRole('button', { name: 'Create destination' }).waitFor();
    await openDestination(engineer);
    expect(await engineer.getByRole('button', { name: 'Send test event' }).count()).toBe(1);
    expect(await engineer.getByRole('button', { name: 'Start replay' }).count()).toBe(1);
    expect(await engineer.getByRole('button', { name: 'Save settings' }).isEnabled()).toBe(true);
    // A destination's consent categories are privacy:write: shown, not changeable, and the form says why.
    await expect.poll(() => note(engineer).textContent()).toContain('Your role (engineer) does not allow acting on privacy requests');
    await engineer.getByRole('link', { name: 'Sources', exact: true }).click();
    await engineer.getByRole('form', { name: 'Create a source' }).waitFor();

    await engineer.goto(`${sluice.url}/members`);
    await expect.poll(() => note(engineer).textContent()).toContain('Your role (engineer) does not allow seeing the members list');
    expect(await engineer.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    // Tokens: listed (tokens:read), not created or revoked (tokens:write).
    await engineer.getByRole('link', { name: 'API tokens' }).click();
    await engineer.getByRole('table', { name: 'Active tokens' }).waitFor();
    expect(await engineer.getByRole('form', { name: 'Create an API token' }).count()).toBe(0);
    expect(await engineer.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await engineer.context().close();
  });

  it('offers the privacy role the requests and their approval, and the members list without its controls', async () => {
    const privacy = await memberTab('privacy', 'pia@example.com', 'Pia Privacy');
    await privacy.getByRole('link', { name: 'Privacy requests' }).click();
    await privacy.getByRole('button', { name: `Approve access request ${requestId}` }).waitFor();
    expect(await privacy.getByRole('form', { name: 'Open a privacy request' }).count()).toBe(1);
    await privacy.getByRole('link', { name: 'Members' }).click();
    await privacy.getByRole('row', { name: /owner@example.com/ }).waitFor();
    expect(await privacy.getByRole('row', { name: /owner@example.com/ }).textContent()).toContain('owner');
    expect(await privacy.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    expect(await privacy.getByLabel('Role of owner@example.com').count()).toBe(0);
    expect(await privacy.getByRole('button', { name: 'Remove owner@example.com' }).count()).toBe(0);
    // A destination's settings are destinations:write: the privacy role reads them only.
    await openDestination(privacy);
    expect(await privacy.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    await privacy.context().close();
    expect(errors).toEqual([]);
  });
});
