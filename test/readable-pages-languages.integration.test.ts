import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES, LOCALES, type Language } from '../src/core/i18n/languages.js';
import { downloadLink } from '../src/privacy/requests/download-link.js';
import { READABLE_PAGE_TEXTS } from '../src/privacy/requests/readable-page-texts.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';
import { wordsOf } from './support/text-table-words.js';

/**
 * The pages behind a data subject's download links in the language of their request (decision 0407): the access
 * page, the CCPA know report and the page of a wrong or expired link, each checked in every language for English
 * left in it and for placeholders left unfilled, as the emails are; dates written by `Intl` in UTC. And the access
 * answer tells an opt-out of sale or sharing from an objection.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
let workspace: string;

/** The English wording's phrases long enough to be recognised in another language's page if they leaked into it. */
const ENGLISH_PHRASES = [...new Set(wordsOf(READABLE_PAGE_TEXTS.en).flatMap((w) => w.split('§')).map((w) => w.trim()).filter((w) => w.length >= 14 && w.includes(' ')))];

/** The page's own words: the data quoted in `<pre>` (events as stored, with their ISO times) left out. */
const wording = (html: string) => html.replace(/<pre>[\s\S]*?<\/pre>/g, '');

function expectIn(language: Language, html: string, what: string): void {
  expect(html, what).toContain(`<html lang="${language}">`);
  const words = wording(html);
  expect(words, `${what}: placeholders`).not.toMatch(/undefined|NaN|\[object|§|\d{4}-\d{2}-\d{2}T|\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  if (language !== 'en') for (const phrase of ENGLISH_PHRASES) expect(words, `${what} in ${language} holds English: ${phrase}`).not.toContain(phrase.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
}

async function completed(body: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/privacy-requests', { ...body, verified: true });
  expect(created.status, created.text).toBe(201);
  const id = String(created.body.id);
  await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 60_000);
  return id;
}

/** The page the completion email's readable link opens (signed, no token), with the browser's language. */
const readablePage = async (id: string, expiresAt = Date.now() + 3_600_000, acceptLanguage = 'en') => {
  const link = new URL(downloadLink(sluice.keys, sluice.url, workspace, id, expiresAt));
  return fetch(`${link.href}&format=html`, { headers: { 'accept-language': acceptLanguage } });
};

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  workspace = (await sluice.store.workspaces.list())[0]!.id;
  const consent = { consent: { categoryPreferences: { analytics: true, advertising: true } } };
  const stats = await createWebhook(sluice, servers, 'Stats hook', {}, { consentCategories: ['analytics'] });
  const ads = await createWebhook(sluice, servers, 'Ads hook', {}, { consentCategories: ['advertising'] });
  const support = await createWebhook(sluice, servers, 'Support desk');
  expect((await api('PUT', `/disclosures/destinations/${stats.id}`, { recipientCategory: 'analytics_provider', purposes: ['analytics'], legalBasis: 'consent', country: 'IE', ccpaFlow: 'none', retention: '14 Monate' })).status).toBe(200);
  expect((await api('PUT', `/disclosures/destinations/${ads.id}`, { recipientCategory: 'advertising_partner', purposes: ['advertising'], legalBasis: 'consent', country: 'US', ccpaFlow: 'sharing', retention: '13 Monate', transferSafeguards: 'SCC 2021/914' })).status).toBe(200);
  expect((await api('PUT', '/disclosures/controller', { controllerName: 'Laden GmbH', controllerContact: 'datenschutz@laden.example', dpoName: 'Dana', country: 'DE', securityMeasures: ['AES'] })).status).toBe(200);
  expect((await api('PATCH', '/privacy/settings', { eventRetentionDays: 90, ipRetentionDays: 30 })).status).toBe(200);
  await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'lena', messageId: 'lena-1', traits: { email: 'lena@example.com', name: 'Lena' }, context: consent });
  await sendTracking(sluice.url, sluice.writeKey, 'page', { userId: 'lena', messageId: 'lena-2', name: 'Preise', context: consent });
  await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'lena', messageId: 'lena-3', event: 'Order Completed', properties: { revenue: 12, currency: 'EUR' }, context: consent });
  for (const hook of [stats, ads, support]) await eventually(async () => ((await deliveriesOf(sluice, hook.id, '&status=delivered')).length === 3 ? true : undefined), 30_000);
  // Found to be a child after her events were sent (the flag the children stage sets, written as it writes it).
  await sluice.store.subjectFlags.set([{ workspaceId: workspace, subject: { type: 'userId', value: 'lena' }, flag: 'child', detail: 'age 12 under 16', createdAt: Date.now() }]);
  // She objects to statistics (GDPR Art. 21) and opts out of the sale or sharing of her data (CCPA 1798.120).
  await completed({ type: 'object', subject: { userId: 'lena', email: 'lena@example.com' }, categories: ['analytics'] });
  await completed({ type: 'opt_out', regulation: 'ccpa', subject: { userId: 'lena', email: 'lena@example.com' } });
}, 180_000);

afterAll(async () => {
  await sluice?.stop();
  await Promise.all(servers.map((s) => s.close()));
});

describe('the pages behind the download links, in the language of the request', () => {
  it.each(LANGUAGES)('%s: the access page, the know report and the wrong-link pages, without English or unfilled placeholders', async (language) => {
    const t = READABLE_PAGE_TEXTS[language];
    const month = new Intl.DateTimeFormat(LOCALES[language], { month: 'long', timeZone: 'UTC' }).format(Date.now());
    const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

    const accessId = await completed({ type: 'access', regulation: 'gdpr', subject: { userId: 'lena', email: 'lena@example.com' }, language });
    const access = await readablePage(accessId);
    expect(access.status).toBe(200);
    const page = await access.text();
    expectIn(language, page, 'access page');
    for (const shown of [t.access.title, t.access.recipients.heading, t.access.processing.heading, t.access.consent.heading, t.access.requests.heading, t.access.rights.gdpr[1]!, t.access.activity.page('Preise'), t.access.activity.count(3), t.access.processing.retention.events(90), t.access.processing.retention.ip(30)]) {
      expect(page, shown).toContain(escaped(shown));
    }
    expect(page).toContain(`<td>${escaped(t.access.flags.child)}</td><td>${escaped(`${t.access.identifiers.userId}: lena`)}</td>`);
    expect(page).toContain(escaped(t.access.flags.childAge({ age: 12, threshold: 16 })));
    // The objection and the opt-out, each named for what it was; the purposes and kinds of recipient in the language.
    expect(page).toContain(escaped(t.access.stopped.objection));
    expect(page).toContain(escaped(t.access.stopped.optOut));
    expect(page).toContain(escaped(t.access.recipients.described({ kind: t.recipientKinds.advertising_partner, purposes: t.purposes.advertising, basis: t.legalBases.consent })));
    expect(page).toContain(escaped(t.access.requests.types.opt_out.charAt(0).toLocaleUpperCase() + t.access.requests.types.opt_out.slice(1)));
    expect(page).toContain(escaped(t.access.consent.byRequest('')));
    // A consent choice names the category by its label in the language (the default categories are translated), not its id.
    const analytics = { en: 'Analytics', de: 'Statistik', fr: "Mesure d'audience", es: 'Analítica', it: 'Statistiche', nl: 'Analyse', pt: 'Análise' }[language];
    expect(page).toContain(escaped(`${analytics}: ${t.access.consent.refused}`));
    expect(page).toContain(month);
    expect(page).toContain('UTC');

    const knowId = await completed({ type: 'know', regulation: 'ccpa', subject: { userId: 'lena' }, language });
    const report = await (await readablePage(knowId)).text();
    expectIn(language, report, 'know report');
    for (const shown of [t.know.title, t.know.soldOrShared.heading, t.know.categories.identifiers, t.know.categories['commercial information'], t.know.sources.directly, t.know.purposes.consentCategory, t.know.recipients.flows.sharing, t.know.note.undescribed('Support desk')]) {
      expect(report, shown).toContain(escaped(shown));
    }
    expect(report).toContain(`<td>${escaped(t.know.soldOrShared.shared)}</td><td>${escaped(t.know.soldOrShared.yes)}</td>`);
    expect(report).toContain(month);
    expect(report).toContain(`<tr><td>${escaped(analytics)}</td><td>${escaped(t.know.purposes.consentCategory)}</td></tr>`);

    // An expired link names its request (its signature is right): the page speaks the request's language, whatever the browser's.
    const expired = await readablePage(accessId, Date.now() - 1_000, 'en-US');
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-language')).toBe(language);
    const expiredPage = await expired.text();
    expectIn(language, expiredPage, 'expired link page');
    expect(expiredPage).toContain(escaped(t.wrongLink.expired));
    // A link whose signature does not match names nothing to trust: the page follows the browser.
    const link = new URL(downloadLink(sluice.keys, sluice.url, workspace, accessId, Date.now() + 3_600_000));
    link.searchParams.set('signature', '0'.repeat(64));
    const invalid = await fetch(`${link.href}&format=html`, { headers: { 'accept-language': `${LOCALES[language]}, en;q=0.1` } });
    expect(invalid.status).toBe(403);
    const invalidPage = await invalid.text();
    expectIn(language, invalidPage, 'invalid link page');
    expect(invalidPage).toContain(escaped(t.wrongLink.invalid));
  });
});

describe('every language has every text of the readable pages', () => {
  const keysOf = (value: unknown, prefix = ''): string[] =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k)) : [prefix];
  it.each(LANGUAGES)('%s: the keys English has, none empty', (language) => {
    expect(ENGLISH_PHRASES.length).toBeGreaterThan(80);
    expect(keysOf(READABLE_PAGE_TEXTS[language])).toEqual(keysOf(READABLE_PAGE_TEXTS.en));
    for (const words of wordsOf(READABLE_PAGE_TEXTS[language])) expect(words.trim()).not.toBe('');
  });
});
