import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * An access answer tells the person more than their data (GDPR Art. 15(1)(a)-(f), 15(2)): who is responsible, why
 * the data is used and on what basis, each recipient with its country, safeguards and retention, how long it is
 * kept, and their rights, including a complaint to a supervisory authority. Read from the workspace's disclosures.
 */
let sluice: TestSluice;
let receiver: RecordingServer;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

beforeAll(async () => {
  receiver = await RecordingServer.start();
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await sluice?.stop();
  await receiver?.close();
});

async function accessAnswer(userId: string, regulation: 'gdpr' | 'ccpa'): Promise<{ json: Record<string, unknown>; html: string }> {
  const created = await api('POST', '/privacy-requests', { type: 'access', regulation, subject: { userId }, verified: true });
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

    const { json, html } = await accessAnswer('ada', 'gdpr');
    const processing = json.processing as Record<string, unknown>;
    expect(processing.controller).toEqual({ name: 'Shop Example Ltd', contact: 'privacy@shop.example', dpoName: 'Dana Protect' });
    expect(processing.purposes).toEqual([{ purpose: 'Marketing communications', legalBases: ['a contract with you'] }]);
    expect(processing.recipients).toEqual(
      expect.arrayContaining([
        { name: 'CRM', described: true, recipientCategory: 'Service providers', purposes: ['Marketing communications'], legalBasis: 'a contract with you', country: 'US', retention: '2 years after the account is closed', transferSafeguards: 'EU SCCs 2021/914' },
        { name: 'Undescribed tool', described: false },
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
});
