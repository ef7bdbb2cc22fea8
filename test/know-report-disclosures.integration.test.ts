import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import { completedRequest } from './support/privacy-requests.js';
import { downloadLink } from '../src/privacy/requests/download-link.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * A CCPA "know" report tells the consumer whether their data was sold or shared (1798.115), from the disclosure
 * profiles of the destinations that received it, as the workspace's CCPA chart does: never a fixed "not sold".
 * Real webhook servers, everything through the APIs.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

const profile = (recipientCategory: string, purposes: string[], ccpaFlow: string) => ({ recipientCategory, purposes, legalBasis: 'consent', country: 'US', ccpaFlow, retention: '13 months' });

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('the know report', () => {
  it("says the data was sold or shared when a recipient's disclosure profile says so, and names recipients nobody described", async () => {
    const broker = await createWebhook(sluice, servers, 'Data broker');
    const ads = await createWebhook(sluice, servers, 'Ad partner');
    const crm = await createWebhook(sluice, servers, 'CRM');
    const unsent = await createWebhook(sluice, servers, 'Described, never received', {}, { consentCategories: ['advertising'] });
    expect((await api('PUT', `/disclosures/destinations/${broker.id}`, profile('data_broker', ['advertising'], 'sale'))).status).toBe(200);
    expect((await api('PUT', `/disclosures/destinations/${ads.id}`, profile('advertising_partner', ['advertising'], 'sharing'))).status).toBe(200);
    expect((await api('PUT', `/disclosures/destinations/${unsent.id}`, profile('data_broker', ['advertising'], 'sale'))).status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'ivy', messageId: 'ivy-identify', traits: { email: 'ivy@example.com' } });
    for (const d of [broker, ads, crm]) await eventually(async () => ((await deliveriesOf(sluice, d.id)).some((r) => r.messageId === 'ivy-identify' && r.status === 'delivered') ? true : undefined), 30_000);

    const report = await completedRequest(sluice, { type: 'know', regulation: 'ccpa', subject: { userId: 'ivy' } });
    expect(report.sold).toBe(true);
    expect(report.shared).toBe(true);
    const recipients = report.recipients as Record<string, unknown>[];
    expect(recipients.map((r) => r.name).sort()).toEqual(['Ad partner', 'CRM', 'Data broker']);
    expect(recipients.find((r) => r.name === 'Data broker')).toMatchObject({ described: true, recipientCategory: 'Data brokers', purposes: ['Advertising'], ccpaFlow: 'sale' });
    expect(recipients.find((r) => r.name === 'Ad partner')).toMatchObject({ described: true, ccpaFlow: 'sharing' });
    expect(recipients.find((r) => r.name === 'CRM')).toMatchObject({ described: false });
    expect(report.notes).toEqual([expect.stringContaining('CRM')]);
  });

  it('says not sold and not shared only when every recipient is described as neither', async () => {
    const hook = await createWebhook(sluice, servers, 'Support tool');
    expect((await api('PUT', `/disclosures/destinations/${hook.id}`, profile('service_provider', ['essential_service'], 'none'))).status).toBe(200);
    // Only the support tool receives jack's data: the others of the workspace are gated by a category he never granted.
    const others = ((await api('GET', '/destinations')).body.destinations as { id: string }[]).filter((d) => d.id !== hook.id);
    for (const d of others) expect((await api('PATCH', `/destinations/${d.id}`, { consentCategories: ['advertising'] })).status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'jack', messageId: 'jack-identify', traits: { email: 'jack@example.com' } });
    await eventually(async () => ((await deliveriesOf(sluice, hook.id)).some((r) => r.messageId === 'jack-identify' && r.status === 'delivered') ? true : undefined), 30_000);

    const report = await completedRequest(sluice, { type: 'know', regulation: 'ccpa', subject: { userId: 'jack' } });
    expect(report.recipients).toEqual([expect.objectContaining({ name: 'Support tool', described: true, ccpaFlow: 'none' })]);
    expect(report).toMatchObject({ sold: false, shared: false, notes: [] });
  });

  it("reads the categories of every profile the request's identifiers name, not only the first one's", async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'kim', messageId: 'kim-identify', traits: { plan: 'pro' } });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { anonymousId: 'kim-phone', messageId: 'kim-anon-identify', traits: { email: 'kim@example.com', phone: '+1 555 0101' } });
    await eventually(async () => ((await api('GET', '/profiles/kim')).status === 200 && (await api('GET', '/profiles/kim%40example.com')).status === 200) || undefined);
    const report = await completedRequest(sluice, { type: 'know', regulation: 'ccpa', subject: { userId: 'kim', email: 'kim@example.com' } });
    const fields = (report.categories as { category: string; fields: string[] }[]).flatMap((c) => c.fields);
    expect(fields).toEqual(expect.arrayContaining(['profile.traits.plan', 'profile.traits.email', 'profile.traits.phone']));
    expect((report.purposes as { purpose: string }[]).map((p) => p.purpose)).toEqual(['Necessary', 'Functional', 'Analytics', 'Advertising']);
  });

  it('gives the consumer the report as a page to read (the signed link with format=html), linking the JSON', async () => {
    const hook = await createWebhook(sluice, servers, 'Mail tool');
    expect((await api('PUT', `/disclosures/destinations/${hook.id}`, profile('service_provider', ['essential_service'], 'none'))).status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'kim', messageId: 'kim-order', event: 'Order Completed', properties: { revenue: 12, currency: 'EUR' } });
    await eventually(async () => ((await deliveriesOf(sluice, hook.id)).some((r) => r.messageId === 'kim-order' && r.status === 'delivered') ? true : undefined), 30_000);
    const created = await api('POST', '/privacy-requests', { type: 'know', regulation: 'ccpa', subject: { userId: 'kim' }, verified: true });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 60_000);

    // The link the completion email gives (signed, no token), as a page.
    const workspace = (await sluice.store.workspaces.list())[0]!.id;
    const json = new URL(downloadLink(sluice.keys, sluice.url, workspace, id, Date.now() + 3_600_000));
    const page = await fetch(`${json.href}&format=html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    for (const shown of ['<h1>The personal information we hold about you</h1>', 'Was your personal information sold or shared?', '<td>Sold</td><td>No</td>', '<td>Commercial information</td>', 'properties.revenue', 'Mail tool', 'neither sold nor shared', 'Whom we disclosed it to']) {
      expect(html, shown).toContain(shown);
    }
    expect(html).toContain('href="download?workspace=');
    // The JSON's note for the business (which API call describes a recipient) stays off the person's page.
    expect(html).not.toContain('PUT /api/v1/disclosures');
    // The JSON is unchanged.
    const report = (await (await fetch(json.href)).json()) as { kind: string; recipients: { name: string }[] };
    expect(report.kind).toBe('know');
    expect(report.recipients.map((r) => r.name)).toContain('Mail tool');
  });
});
