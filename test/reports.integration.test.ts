import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
type Json = Record<string, unknown>;

const api = async (method: string, path: string, body?: unknown) => {
  const response = await ownerApi(sluice)<Json>(method, path, body);
  return { status: response.status, json: typeof response.body === 'object' ? response.body : {}, text: response.text };
};

const track = (writeKey: string, type: string, body: Json) => sendTracking(sluice.url, writeKey, type, body);

interface CcpaRow {
  category: string;
  disclosedTo: { recipientCategory: string; recipients: string[] }[];
  sold: boolean;
  shared: boolean;
}

let web: string;
let app: string;
let analytics: string;
let ads: string;

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  const website = await api('POST', '/sources', { name: 'Website' });
  const mobile = await api('POST', '/sources', { name: 'Mobile app' });
  web = String(website.json.id);
  app = String(mobile.json.id);
  const a = await api('POST', '/destinations', { name: 'Product analytics', type: 'webhook', config: { url: 'http://127.0.0.1:9/analytics' }, sourceIds: [web] });
  expect(a.status).toBe(201);
  analytics = String(a.json.id);
  ads = String((await api('POST', '/destinations', { name: 'Ad network', type: 'webhook', config: { url: 'http://127.0.0.1:9/ads' } })).json.id);
  // Real events through the Tracking API: the PII classifier fills the inventory the reports read.
  await track(String(website.json.writeKey), 'identify', { userId: 'r-1', traits: { email: 'ada@example.com' }, context: { ip: '203.0.113.9' } });
  await track(String(mobile.json.writeKey), 'identify', { userId: 'r-2', traits: { address: { city: 'Berlin' } }, context: { ip: '203.0.113.10' } });
  await track(String(mobile.json.writeKey), 'track', { userId: 'r-2', event: 'Upgraded', properties: { plan: 'pro' }, context: { ip: '203.0.113.10' } });
  await eventually(async () => {
    const inventory = await api('GET', '/pii/inventory');
    const paths = (inventory.json.fields as { path: string }[]).map((f) => f.path);
    return ['traits.email', 'traits.address.city', 'properties.plan'].every((p) => paths.includes(p)) ? true : undefined;
  });
});
afterAll(async () => {
  await sluice?.stop();
});

describe('disclosures generated from the live system', () => {
  it('refuses a recipient description that is incomplete, with the field named', async () => {
    const bad = await api('PUT', `/disclosures/destinations/${analytics}`, { recipientCategory: 'analytics_provider', purposes: [] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('flags the destinations and sources nobody described yet', async () => {
    const map = await api('GET', '/reports/data-map');
    expect(map.status).toBe(200);
    const gaps = (map.json.gaps as { name: string }[]).map((g) => g.name).sort();
    expect(gaps).toEqual(['Ad network', 'Default source', 'Mobile app', 'Product analytics', 'Website']);
  });

  it('lists exactly what was observed and configured in the CCPA chart, the data map and the Art. 30 record', async () => {
    expect((await api('PUT', `/disclosures/destinations/${analytics}`, { recipientCategory: 'analytics_provider', purposes: ['analytics'], legalBasis: 'consent', country: 'US', ccpaFlow: 'none', retention: '2 years', transferSafeguards: 'EU SCCs' })).status).toBe(200);
    expect((await api('PUT', `/disclosures/destinations/${ads}`, { recipientCategory: 'advertising_partner', purposes: ['advertising'], legalBasis: 'consent', country: 'FR', ccpaFlow: 'sharing', retention: '13 months' })).status).toBe(200);
    expect((await api('PUT', `/disclosures/sources/${web}`, { channel: 'website', subjects: 'website visitors' })).status).toBe(200);
    expect((await api('PUT', '/disclosures/controller', { controllerName: 'Acme GmbH', controllerContact: 'privacy@acme.test', country: 'DE', securityMeasures: [] })).status).toBe(200);

    const ccpa = await api('GET', '/reports/ccpa');
    const rows = ccpa.json.rows as CcpaRow[];
    expect(rows.map((r) => r.category)).toEqual(['identifiers', 'customer_records', 'geolocation']);
    const identifiers = rows.find((r) => r.category === 'identifiers')!;
    expect(identifiers.disclosedTo).toEqual([
      { recipientCategory: 'Advertising partners', recipients: ['Ad network'] },
      { recipientCategory: 'Analytics providers', recipients: ['Product analytics'] },
    ]);
    expect(identifiers).toMatchObject({ sold: false, shared: true });
    // the address came from the app only, which the analytics destination does not receive
    expect(rows.find((r) => r.category === 'customer_records')!.disclosedTo).toEqual([{ recipientCategory: 'Advertising partners', recipients: ['Ad network'] }]);

    const ropa = await api('GET', '/reports/ropa');
    const activities = ropa.json.activities as { purpose: string; thirdCountryTransfers: { recipient: string }[] }[];
    expect(activities.find((a) => a.purpose === 'Analytics')!.thirdCountryTransfers).toEqual([{ recipient: 'Product analytics', country: 'US', safeguards: 'EU SCCs' }]);
    expect(activities.find((a) => a.purpose === 'Advertising')!.thirdCountryTransfers).toEqual([]);
  });

  it('renders Markdown and HTML ready to paste into a policy', async () => {
    const md = await api('GET', '/reports/ccpa?format=md');
    expect(md.text).toContain('| Identifiers |');
    expect(md.text).toMatch(/Generated .* configuration version [0-9a-f]{12}/);
    const html = await api('GET', '/reports/ropa?format=html');
    expect(html.text).toContain('<h1>Record of processing activities (GDPR Art. 30(1))</h1>');
  });

  it('drops a removed destination from the data map but keeps it, marked removed, in the CCPA chart', async () => {
    const before = (await api('GET', '/reports/data-map')).json.configVersion;
    expect((await api('DELETE', `/destinations/${ads}`)).status).toBeLessThan(300);
    const map = await api('GET', '/reports/data-map');
    expect((map.json.destinations as { name: string }[]).map((d) => d.name)).toEqual(['Product analytics']);
    expect(map.json.configVersion).not.toBe(before);
    const ccpa = await api('GET', '/reports/ccpa');
    const identifiers = (ccpa.json.rows as CcpaRow[]).find((r) => r.category === 'identifiers')!;
    expect(identifiers.disclosedTo.find((d) => d.recipientCategory === 'Advertising partners')!.recipients[0]).toMatch(/^Ad network \(removed \d{4}-\d{2}-\d{2}\)$/);
    expect((ccpa.json.removedRecipients as { name: string }[]).map((r) => r.name)).toEqual(['Ad network']);
  });

  it('keeps every destination deleted in the 12 months in the CCPA chart, described or not, dated when it was deleted', async () => {
    const mailer = await api('POST', '/destinations', { name: 'Email tool', type: 'webhook', config: { url: 'http://127.0.0.1:9/mail' } });
    expect(mailer.status).toBe(201);
    expect((await api('DELETE', `/destinations/${String(mailer.json.id)}`)).status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 20)); // the report is generated later than the deletion
    const ccpa = await api('GET', '/reports/ccpa');
    const deletedAt = new Map((await sluice.store.destinations.tombstones(sluice.bootstrap.workspaceId)).map((t) => [t.name, new Date(t.deletedAt).toISOString()]));
    expect(ccpa.json.removedRecipients).toEqual([
      { name: 'Ad network', removedAt: deletedAt.get('Ad network') },
      { name: 'Email tool', removedAt: deletedAt.get('Email tool') },
    ]);
    const identifiers = (ccpa.json.rows as CcpaRow[]).find((r) => r.category === 'identifiers')!;
    expect(identifiers.disclosedTo.find((d) => d.recipientCategory === 'Undescribed recipients')!.recipients).toEqual([`Email tool (removed ${deletedAt.get('Email tool')!.slice(0, 10)})`]);
  });

  it('needs a token with privacy permissions', async () => {
    const response = await fetch(`${sluice.url}/api/v1/reports/ccpa`);
    expect(response.status).toBe(401);
  });
});
