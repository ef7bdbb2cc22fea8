import { describe, expect, it } from 'vitest';
import { ccpaCategoriesOf } from '../../core/privacy/ccpa-categories.js';
import type { PiiInventoryField } from '../../core/privacy/pii-field.js';
import type { DisclosureRecord } from '../../store/store.js';
import { buildCcpaReport } from './ccpa-report.js';
import { buildDataMap } from './data-map-report.js';
import { renderHtml, renderMarkdown } from './render-report.js';
import type { ReportInputs } from './report-inputs.js';
import { buildRopa } from './ropa-report.js';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

function field(sourceId: string, path: string, level: PiiInventoryField['level'], label: string | null, daysAgo = 1): PiiInventoryField {
  const at = NOW.getTime() - daysAgo * DAY;
  return { workspaceId: 'ws', sourceId, path, level, label, detectedBy: 'key', reviewedLevel: null, reviewedLabel: null, reviewedBy: null, reviewedAt: null, firstSeen: at, lastSeen: at };
}

function profile(resourceType: DisclosureRecord['resourceType'], resourceId: string, resourceName: string, body: Record<string, unknown>, removedDaysAgo?: number): DisclosureRecord {
  return { workspaceId: 'ws', resourceType, resourceId, resourceName, profile: body, updatedAt: NOW.getTime(), removedAt: removedDaysAgo === undefined ? null : NOW.getTime() - removedDaysAgo * DAY };
}

const source = (id: string, name: string) => ({ id, workspaceId: 'ws', name, writeKey: `wk-${id}`, enabled: true, createdAt: 0, updatedAt: 0 });

function inputs(overrides: Partial<ReportInputs> = {}): ReportInputs {
  return {
    workspace: { id: 'ws', name: 'Acme' },
    generatedAt: NOW,
    sources: [source('web', 'Website'), source('app', 'Mobile app')],
    destinations: [
      { id: 'amp', name: 'Amplitude', type: 'amplitude', sourceIds: ['web'], consentCategories: ['analytics'], enabled: true },
      { id: 'ads', name: 'Ad network', type: 'webhook', sourceIds: null, consentCategories: ['advertising'], enabled: true },
      { id: 'new', name: 'Undescribed hook', type: 'webhook', sourceIds: ['app'], consentCategories: null, enabled: true },
    ],
    inventory: [
      field('web', 'traits.email', 'yellow', 'email'),
      field('web', 'context.ip', 'yellow', 'ip'),
      field('web', 'properties.ssn', 'red', 'ssn'),
      field('app', 'traits.address.street', 'yellow', 'address'),
      field('app', 'properties.order_total', 'none', null),
      field('app', 'traits.phone', 'yellow', 'phone', 400),
    ],
    profiles: [
      profile('destination', 'amp', 'Amplitude', { recipientCategory: 'analytics_provider', purposes: ['analytics'], legalBasis: 'consent', country: 'US', ccpaFlow: 'none', retention: '2 years', transferSafeguards: 'EU SCCs' }),
      profile('destination', 'ads', 'Ad network', { recipientCategory: 'advertising_partner', purposes: ['advertising'], legalBasis: 'consent', country: 'FR', ccpaFlow: 'sharing', retention: '13 months' }),
      profile('destination', 'old', 'Old CRM', { recipientCategory: 'service_provider', purposes: ['marketing'], legalBasis: 'contract', country: 'DE', ccpaFlow: 'none', retention: '1 year' }, 100),
      profile('destination', 'ancient', 'Ancient tool', { recipientCategory: 'service_provider', purposes: ['marketing'], legalBasis: 'contract', country: 'DE', ccpaFlow: 'sale', retention: '1 year' }, 500),
      profile('source', 'web', 'Website', { channel: 'website', subjects: 'website visitors' }),
      profile('controller', 'ws', 'Acme GmbH', { controllerName: 'Acme GmbH', controllerContact: 'privacy@acme.test', country: 'DE', securityMeasures: ['TLS everywhere'] }),
    ],
    eventRetentionDays: 365,
    ipRetentionDays: 30,
    removedDestinations: [],
    ...overrides,
  };
}

describe('CCPA categories of fields', () => {
  it.each([
    ['traits.email', 'yellow', 'email', ['identifiers']],
    ['properties.ssn', 'red', 'ssn', ['sensitive_personal_information', 'identifiers']],
    ['traits.address.street', 'yellow', 'address', ['customer_records', 'geolocation']],
    ['traits.birthday', 'yellow', 'birthdate', ['protected_classifications']],
    ['properties.diagnosis', 'sensitive', 'health', ['sensitive_personal_information', 'protected_classifications']],
    ['traits.jobTitle', 'yellow', null, ['professional_information']],
  ] as const)('%s (%s, %s) is %j', (path, level, label, expected) => {
    expect(ccpaCategoriesOf({ path, level, label }).sort()).toEqual([...expected].sort());
  });
});

describe('data map', () => {
  it('lists what each source sent and what each destination receives, and flags undescribed ones', () => {
    const map = buildDataMap(inputs());
    const web = map.sources.find((s) => s.id === 'web')!;
    expect(web.channel).toBe('website');
    expect(web.categories.map((c) => c.category)).toEqual(['identifiers', 'sensitive_personal_information']);
    expect(web.categories.find((c) => c.category === 'sensitive_personal_information')!.withheldByDefault).toBe(true);
    const amplitude = map.destinations.find((d) => d.id === 'amp')!;
    expect(amplitude).toMatchObject({ receivesFrom: ['web'], purposes: ['analytics'], legalBasis: 'consent' });
    expect(map.destinations.find((d) => d.id === 'ads')!.receivesFrom).toEqual(['web', 'app']);
    expect(map.gaps).toEqual([
      { resourceType: 'source', id: 'app', name: 'Mobile app', problem: 'no collection channel or data subjects described' },
      { resourceType: 'destination', id: 'new', name: 'Undescribed hook', problem: 'no purpose, legal basis or recipient category described' },
    ]);
    expect(map.flows).toContainEqual({ sourceId: 'web', destinationId: 'amp', categories: ['identifiers', 'sensitive_personal_information'] });
  });

  it('changes its configuration version when the configuration changes', () => {
    const before = buildDataMap(inputs()).configVersion;
    expect(buildDataMap(inputs()).configVersion).toBe(before);
    expect(buildDataMap(inputs({ destinations: inputs().destinations.slice(1) })).configVersion).not.toBe(before);
  });
});

describe('CCPA chart', () => {
  const report = buildCcpaReport(inputs());

  it('covers exactly the categories observed in the preceding 12 months', () => {
    expect(report.rows.map((r) => r.category)).toEqual(['identifiers', 'customer_records', 'geolocation', 'sensitive_personal_information']);
    expect(report.rows.find((r) => r.category === 'identifiers')!.collected).toEqual(['email', 'ip', 'ssn']);
  });

  it('names recipients by category, marks sharing, and keeps a recipient removed within the year', () => {
    const identifiers = report.rows.find((r) => r.category === 'identifiers')!;
    expect(identifiers.disclosedTo).toEqual([
      { recipientCategory: 'Advertising partners', recipients: ['Ad network'] },
      { recipientCategory: 'Analytics providers', recipients: ['Amplitude'] },
      { recipientCategory: 'Service providers', recipients: [`Old CRM (removed ${new Date(NOW.getTime() - 100 * DAY).toISOString().slice(0, 10)})`] },
    ]);
    expect(identifiers.shared).toBe(true);
    expect(identifiers.sold).toBe(false);
    expect(JSON.stringify(report)).not.toContain('Ancient tool');
    expect(report.removedRecipients.map((r) => r.name)).toEqual(['Old CRM']);
  });

  it('does not count red fields as disclosed (withheld by default policy)', () => {
    const sensitive = report.rows.find((r) => r.category === 'sensitive_personal_information')!;
    expect(sensitive.disclosedTo.flatMap((d) => d.recipients)).toEqual([expect.stringContaining('Old CRM')]);
  });

  it('lists undescribed recipients until they are described', () => {
    expect(report.notes.some((n) => n.includes('Undescribed hook'))).toBe(true);
  });
});

describe('Art. 30 record', () => {
  const ropa = buildRopa(inputs());

  it('has one activity per purpose in use with its legal bases and recipients', () => {
    expect(ropa.controller).toEqual({ name: 'Acme GmbH', contact: 'privacy@acme.test', dpo: null, country: 'DE' });
    expect(ropa.activities.map((a) => a.purpose)).toEqual(['Providing the service', 'Analytics', 'Advertising']);
    expect(ropa.activities[1]!.recipients).toEqual([{ name: 'Amplitude', category: 'Analytics providers', country: 'US' }]);
  });

  it('lists transfers outside the EEA with their safeguards, not transfers within it', () => {
    expect(ropa.activities[1]!.thirdCountryTransfers).toEqual([{ recipient: 'Amplitude', country: 'US', safeguards: 'EU SCCs' }]);
    expect(ropa.activities[2]!.thirdCountryTransfers).toEqual([]);
  });

  it("states the time limit of each category Sluice keeps (Art. 30(1)(f)): profiles and identifiers outlive the events' retention", () => {
    expect(ropa.activities[1]!.retention).toEqual([
      'Events kept in Sluice 365 days',
      'IP addresses in stored events truncated after 30 days',
      'Profiles (traits) and linked identifiers kept in Sluice until the person is erased (a deletion request): no time limit',
      'Consent records kept in Sluice as proof of consent (Art. 7(1)); on erasure they no longer name the person',
      'Privacy request records kept 24 months after the answer',
      'Amplitude: 2 years',
    ]);
    expect(buildRopa(inputs({ eventRetentionDays: null, ipRetentionDays: null })).activities[0]!.retention.slice(0, 2)).toEqual(['Events kept in Sluice until deleted', 'IP addresses in stored events kept as received']);
  });

  it('says what the configuration is missing', () => {
    expect(ropa.missing).toEqual(['purpose and legal basis of destination "Undescribed hook"']);
    expect(ropa.securityMeasures).toContain('TLS everywhere');
  });
});

describe('rendering', () => {
  it('renders Markdown and HTML tables, escaping what they must', () => {
    const base = inputs();
    const report = buildCcpaReport({ ...base, workspace: { id: 'ws', name: 'A|<b>' }, destinations: base.destinations.map((d) => (d.id === 'amp' ? { ...d, name: 'Amp|litude' } : d)) });
    const md = renderMarkdown(report);
    expect(md).toContain('| Category | Personal information collected |');
    expect(md).toContain('Amp\\|litude');
    const html = renderHtml(report);
    expect(html).toContain('<th scope="col">Category</th>');
    expect(html).toContain('A|&lt;b&gt;');
    expect(html).not.toContain('<b>');
  });
});
