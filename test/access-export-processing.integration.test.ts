import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * An access answer tells the person more than their data (GDPR Art. 15(1)(a)-(f), 15(2)): who is responsible, why
 * the data is used and on what basis, each recipient with its country, safeguards and retention, how long it is
 * kept, and their rights, including a complaint to a supervisory authority. Read from the workspace's disclosures.
 */
let sluice: TestSluice;
let receiver: RecordingServer;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

beforeAll(async () => {
  receiver = await RecordingServer.start();
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await sluice?.stop();
  await receiver?.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function accessAnswer(userId: string, regulation: 'gdpr' | 'ccpa', email?: string): Promise<{ json: Record<string, unknown>; html: string }> {
  const created = await api('POST', '/privacy-requests', { type: 'access', regulation, subject: { userId, ...(email !== undefined && { email }) }, verified: true });
  expect(created.status).toBe(201);
  const id = String(created.body.id);
  await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 60_000);
  const json = (await api('GET', `/privacy-requests/${id}/result`)).body;
  const html = await (await fetch(`${sluice.url}/api/v1/privacy-requests/${id}/result?format=html`, { headers: { authorization: `Bearer ${sluice.token}` } })).text();
  return { json, html };
}

describe('the access answer', () => {
  it('says who is responsible, why the data is used and on what basis, where each recipient keeps it and for how long, and the rights of the person', async () => {
    const hook = await api('POST', '/destinations', { name: 'CRM', type: 'webhook', config: { url: `${receiver.url}/crm` } });
    const other = await api('POST', '/destinations', { name: 'Undescribed tool', type: 'webhook', config: { url: `${receiver.url}/other` } });
    expect([hook.status, other.status]).toEqual([201, 201]);
    expect((await api('PUT', `/disclosures/destinations/${String(hook.body.id)}`, { recipientCategory: 'service_provider', purposes: ['marketing'], legalBasis: 'contract', country: 'US', ccpaFlow: 'none', retention: '2 years after the account is closed', transferSafeguards: 'EU SCCs 2021/914' })).status).toBe(200);
    expect((await api('PUT', '/disclosures/controller', { controllerName: 'Shop Example Ltd', controllerContact: 'privacy@shop.example', dpoName: 'Dana Protect', country: 'IE', securityMeasures: ['encryption at rest'] })).status).toBe(200);
    expect((await api('PATCH', '/privacy/settings', { eventRetentionDays: 90 })).status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'ada', messageId: 'ada-1', traits: { email: 'ada@example.com' } });
    await eventually(async () => ((await api('GET', '/events?userId=ada')).body.events as unknown[]).length === 1 || undefined);
    // Delivered to both before the answer is asked for (it says which services have the person's data).
    for (const id of [hook.body.id, other.body.id]) await eventually(async () => ((await deliveriesOf(sluice, String(id), '&status=delivered')).length === 1 ? true : undefined));

    const { json, html } = await accessAnswer('ada', 'gdpr');
    const processing = json.processing as Record<string, unknown>;
    expect(processing.controller).toEqual({ name: 'Shop Example Ltd', contact: 'privacy@shop.example', dpoName: 'Dana Protect' });
    expect(processing.purposes).toEqual([{ purpose: 'Marketing communications', legalBases: ['a contract with you'], status: 'current' }]);
    expect(processing.recipients).toEqual(
      expect.arrayContaining([
        { name: 'CRM', disclosure: 'received', described: true, recipientCategory: 'Service providers', purposes: ['Marketing communications'], legalBasis: 'a contract with you', country: 'US', retention: '2 years after the account is closed', transferSafeguards: 'EU SCCs 2021/914' },
        { name: 'Undescribed tool', disclosure: 'received', described: false },
      ]),
    );
    expect(processing.retention).toEqual(expect.arrayContaining(['Your recorded activity (events): kept 90 days, then deleted.']));
    expect((processing.rights as string[]).join(' ')).toMatch(/lodge a complaint with a data protection supervisory authority/);

    expect(html).toContain('<h2>Why we use your data and how long we keep it</h2>');
    expect(html).toContain('Shop Example Ltd is responsible for your data (contact: privacy@shop.example). Our data protection officer: Dana Protect.');
    expect(html).toContain('<td>Marketing communications</td><td>a contract with you</td>');
    expect(html).toContain('US, protected by EU SCCs 2021/914');
    expect(html).toContain('not described to us; ask us about it');
    expect(html).toContain('<h2>Your rights</h2>');
    expect(html).toContain('Your recorded activity (events): kept 90 days, then deleted.');
  });

  it('states the CCPA rights, not the GDPR complaint, for a request under the CCPA', async () => {
    const { json } = await accessAnswer('ada', 'ccpa');
    const rights = ((json.processing as Record<string, unknown>).rights as string[]).join(' ');
    expect(rights).toMatch(/opt out of its sale or sharing/);
    expect(rights).not.toMatch(/supervisory authority/);
  });

  it("names the services that really got the person's data, the one their consent kept it from and the one that may get it, stops the purposes they objected to, and shows each consent choice once", async () => {
    const consentOf = { consent: { categoryPreferences: { analytics: true, advertising: false } } };
    const analytics = await createWebhook(sluice, servers, 'Analytics hook', {}, { consentCategories: ['analytics'] });
    const ads = await createWebhook(sluice, servers, 'Ads hook', {}, { consentCategories: ['advertising'] });
    for (const [id, purpose] of [[analytics.id, 'analytics'], [ads.id, 'advertising']] as const) {
      expect((await api('PUT', `/disclosures/destinations/${id}`, { recipientCategory: 'analytics_provider', purposes: [purpose], legalBasis: 'consent', country: 'IE', ccpaFlow: 'none', retention: '14 months' })).status).toBe(200);
    }
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'grace', messageId: 'grace-1', traits: { email: 'grace@example.com' }, context: consentOf });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'grace', messageId: 'grace-2', event: 'Signed Up', context: consentOf });
    await eventually(async () => (analytics.server.events().length === 2 ? true : undefined));
    await eventually(async () => ((await deliveriesOf(sluice, ads.id, '&status=dropped')).length === 2 ? true : undefined));
    // Connected after the person's events: nothing of theirs went to it yet.
    const later = await createWebhook(sluice, servers, 'Later hook');
    // The person objects to analytics: recorded as a refusal for each of their identifiers (userId and email).
    const objection = await api('POST', '/privacy-requests', { type: 'object', subject: { userId: 'grace', email: 'grace@example.com' }, categories: ['analytics'], verified: true });
    expect(objection.status, objection.text).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(objection.body.id)}`)).body.status === 'completed' ? true : undefined), 60_000);

    const { json, html } = await accessAnswer('grace', 'gdpr', 'grace@example.com');
    const byName = Object.fromEntries((json.destinations as { name: string }[]).map((d) => [d.name, d]));
    expect(byName['Analytics hook']).toEqual({
      destinationId: analytics.id, name: 'Analytics hook', type: 'webhook', disclosure: 'received', deliveredEvents: 2,
      firstDeliveredAt: expect.any(String), lastDeliveredAt: expect.any(String), stoppedBecause: 'objection',
    });
    expect(byName['Ads hook']).toEqual({ destinationId: ads.id, name: 'Ads hook', type: 'webhook', disclosure: 'kept_from', withheld: { 'consent_denied:advertising': 2 } });
    expect(byName['Later hook']).toEqual({ destinationId: later.id, name: 'Later hook', type: 'webhook', disclosure: 'may_receive' });
    expect(byName['CRM']).toMatchObject({ disclosure: 'received', deliveredEvents: 2 });
    const processing = json.processing as { purposes: { purpose: string }[]; recipients: { name: string }[] };
    // Advertising: only the service every event of theirs was kept from has it. Analytics: stopped by their objection.
    expect(processing.purposes).toEqual([
      { purpose: 'Marketing communications', legalBases: ['a contract with you'], status: 'current' },
      { purpose: 'Analytics', legalBases: ['your consent'], status: 'stopped', stoppedBecause: 'objection' },
    ]);
    expect(processing.recipients.find((r) => r.name === 'Ads hook')).toMatchObject({ disclosure: 'kept_from', described: true, purposes: ['Advertising'] });

    expect(html).toContain('<td>Analytics</td><td>your consent</td><td>stopped for you: you objected</td>');
    expect(html).toContain('<td>Marketing communications</td><td>a contract with you</td><td>in use</td>');
    expect(html).not.toContain('<td>Advertising</td><td>');
    expect(html).toContain('No: every event of yours was kept from it (your consent choices: 2)');
    expect(html).toContain('Not yet: it is connected and may receive your data');
    expect(html).toMatch(/<td>Analytics hook<\/td><td>Yes: 2 of your events, (from [^<]+ UTC to|on) [^<]+ UTC<\/td>/);
    // The objection, recorded for the userId and the email, is one choice on the page naming both.
    expect(html.split('Analytics: refused').length - 1).toBe(1);
    expect(html).toMatch(/Analytics: refused<\/td><td>(Account id \(userId\): grace; Email address: grace@example.com|Email address: grace@example.com; Account id \(userId\): grace)<\/td>/);
  });
});
