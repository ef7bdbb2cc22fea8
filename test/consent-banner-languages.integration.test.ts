import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerVersionOf, type BannerContent } from '../src/core/consent/banner-content.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../src/core/consent/consent-category.js';
import { ownerApi } from './support/api-client.js';
import { chromiumMissing, launchChromium, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

interface LedgerEntry { categories: Record<string, boolean>; source: string; bannerVersion: string | null }
interface ProfileConsent { history: LedgerEntry[]; banners: { version: string; content: BannerContent }[] }

/**
 * The consent banner in the visitor's language: German for a browser that prefers German, French where the site asks
 * for it (`lang=fr`), English otherwise; a workspace's own categories in the languages it translated them into; and
 * the proof of consent keeps the wording in the language the person read.
 */
describe('consent banner languages', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser | undefined;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice();
    const page = (query: string) =>
      `<!doctype html><html><head><title>Shop</title><script src="${sluice.url}/consent.js?writeKey=${sluice.writeKey}${query}"></script><script>analytics.page();</script></head><body><h1>Shop</h1></body></html>`;
    site = await serveHtml({ '/shop': page(''), '/boutique': page('&lang=fr') });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  const script = (query: string, headers: Record<string, string> = {}) => fetch(`${sluice.url}/consent.js?writeKey=${sluice.writeKey}${query}`, { headers });
  const categoriesJson = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories${query}`, { headers });
    expect(response.status).toBe(200);
    return (await response.json()) as { language: string; text: { rejectAll: string }; categories: { id: string; name: string; description?: string }[] };
  };

  it("follows the browser's Accept-Language, or the site's lang, and says which languages there are when lang is not one", async () => {
    const german = await script('', { 'accept-language': 'de-CH,de;q=0.9,en;q=0.5' });
    expect(german.headers.get('vary')).toMatch(/Accept-Language/i);
    const germanText = await german.text();
    expect(germanText).toContain('Alle ablehnen');
    expect(germanText).toContain('"language":"de"');
    // A language the banner does not speak: English, its default.
    expect(await (await script('', { 'accept-language': 'sv-SE,sv;q=0.9' })).text()).toContain('Reject all');
    // The site's lang wins over the browser's preference.
    expect((await categoriesJson('?lang=it', { 'accept-language': 'de' })).text.rejectAll).toBe('Rifiuta tutto');
    expect(await categoriesJson('?lang=pt-PT')).toMatchObject({ language: 'pt', categories: expect.arrayContaining([{ id: 'analytics', name: 'Análise', description: 'Mede a utilização do site para o poder melhorar.' }]) });
    // A lang it does not speak is a mistake of the site's: told in the browser's console, naming the languages.
    const unknown = await script('&lang=sv');
    expect(unknown.headers.get('x-sluice-error')).toBe('validation_failed');
    const said = await unknown.text();
    expect(said).toMatch(/^console\.error\(/);
    expect(said).toContain('lang=\\"sv\\" is not a language the consent banner speaks: use one of en, de, fr, es, it, nl, pt');
    const json = await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories?lang=xx`);
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: { code: 'validation_failed', languages: ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'] } });
  });

  it("shows a workspace's own categories in the languages it translated them into, and refuses a translation into a language the banner does not speak", async () => {
    const api = ownerApi(sluice);
    const refused = await api('PUT', '/consent/categories', [{ id: 'necessary', name: 'Necessary', required: true, translations: { sv: { name: 'Nödvändiga' } } }]);
    expect(refused.status).toBe(400);
    expect(String((refused.body.error as { message: string }).message)).toContain('translations.sv is not a language the consent banner speaks; use en, de, fr, es, it, nl, pt');
    const upper = await api('PUT', '/consent/categories', [{ id: 'necessary', name: 'Necessary', required: true, translations: { DE: { name: 'Notwendig' } } }]);
    expect(upper.status).toBe(400);
    const saved = await api('PUT', '/consent/categories', [
      { id: 'necessary', name: 'Necessary', description: 'Keeps the shop working.', required: true, translations: { de: { name: 'Notwendig', description: 'Hält den Shop am Laufen.' } } },
      { id: 'recommendations', name: 'Recommendations', description: 'Suggests products.', translations: { de: { name: 'Empfehlungen', description: 'Schlägt Produkte vor.' }, fr: { name: 'Recommandations' } } },
    ]);
    expect(saved.status, saved.text).toBe(200);
    expect((await api('GET', '/consent/categories')).body).toEqual([
      { id: 'necessary', name: 'Necessary', description: 'Keeps the shop working.', required: true, translations: { de: { name: 'Notwendig', description: 'Hält den Shop am Laufen.' } } },
      { id: 'recommendations', name: 'Recommendations', description: 'Suggests products.', translations: { de: { name: 'Empfehlungen', description: 'Schlägt Produkte vor.' }, fr: { name: 'Recommandations' } } },
    ]);
    expect((await categoriesJson('?lang=de')).categories).toEqual([
      { id: 'necessary', name: 'Notwendig', description: 'Hält den Shop am Laufen.', required: true },
      { id: 'recommendations', name: 'Empfehlungen', description: 'Schlägt Produkte vor.' },
    ]);
    expect((await categoriesJson('?lang=fr')).categories).toEqual([
      { id: 'necessary', name: 'Necessary', description: 'Keeps the shop working.', required: true },
      { id: 'recommendations', name: 'Recommandations' },
    ]);
    // Back to the defaults (translated into every language) for the browser test below.
    expect((await api('PUT', '/consent/categories', DEFAULT_CONSENT_CATEGORIES)).status).toBe(200);
  });

  it.skipIf(chromiumMissing())('shows a German browser the banner in German, keeps the German wording as proof of the choice, and the site can pin French', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/shop`);
    const banner = page.locator('#sluice-consent [role="dialog"]');
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await page.locator('#sluice-consent').getAttribute('lang')).toBe('de');
    expect(await banner.locator('h2').textContent()).toBe('Ihre Datenschutz-Einstellungen');
    expect(await banner.locator('label').allTextContents()).toEqual(['Notwendig (immer aktiv)', 'Funktional', 'Statistik', 'Werbung']);
    await page.getByRole('button', { name: 'Alle ablehnen' }).click();
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const anonymousId = await page.evaluate(() => (window as unknown as { analytics: { user(): { anonymousId(): string } } }).analytics.user().anonymousId());
    const consent = await eventually(async () => {
      const found = (await ownerApi(sluice)('GET', `/profiles/${encodeURIComponent(anonymousId)}/consent`)).body as unknown as ProfileConsent;
      return found.history?.some((h) => h.source === 'event' && h.bannerVersion) ? found : undefined;
    });
    const choice = consent.history.find((h) => h.source === 'event')!;
    expect(choice.categories).toEqual({ necessary: true, functional: false, analytics: false, advertising: false });
    const shown = consent.banners.find((b) => b.version === choice.bannerVersion)!;
    expect(bannerVersionOf(shown.content)).toBe(choice.bannerVersion);
    expect(shown.content.text.rejectAll).toBe('Alle ablehnen');
    expect(shown.content.categories.map((c) => c.name)).toEqual(['Notwendig', 'Funktional', 'Statistik', 'Werbung']);
    await context.close();

    // The site pins French: a German browser gets French.
    const pinned = await browser.newContext({ locale: 'de-DE' });
    const french = await pinned.newPage();
    await french.goto(`${site.url}/boutique`);
    await expect.poll(() => french.locator('#sluice-consent [role="dialog"] h2').textContent()).toBe('Vos choix de confidentialité');
    expect(await french.getByRole('button', { name: 'Tout refuser' }).isVisible()).toBe(true);
    await pinned.close();
    expect(errors).toEqual([]);
  });
});
