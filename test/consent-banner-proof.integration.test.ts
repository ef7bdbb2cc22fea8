import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerVersionOf, type BannerContent } from '../src/core/consent/banner-content.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../src/core/consent/consent-category.js';
import { chromiumMissing, launchChromium, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

type Prefs = Record<string, boolean>;
interface LedgerEntry { categories: Prefs; source: string; policyVersion: string | null; bannerVersion: string | null }
interface ProfileConsent { history: LedgerEntry[]; banners: { version: string; firstServedAt: string; content: BannerContent }[] }
interface BrowserAnalytics {
  initialized?: boolean;
  track(event: string, properties?: Record<string, unknown>): Promise<unknown>;
  user(): { anonymousId(): string };
}
interface SluiceConsent { preferences: Prefs }

const ALL_ON: Prefs = { necessary: true, functional: true, analytics: true, advertising: true };
const ALL_OFF: Prefs = { necessary: true, functional: false, analytics: false, advertising: false };

/**
 * The consent banner as proof of consent (GDPR Art. 7(1)) and when it asks again, in headless Chromium: the ledger
 * names the wording each choice was made on, kept once by its hash; a new privacy policy version and a category the
 * visitor never saw show the banner again, with what the law allows meanwhile.
 */
describe.skipIf(chromiumMissing())('consent banner: proof of what was shown, and asking again', { timeout: 180_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice();
    site = await serveHtml({
      '/shop': `<!doctype html><html><head><title>Shop</title><script src="${sluice.url}/consent.js?writeKey=${sluice.writeKey}"></script><script>analytics.page();</script></head><body><h1>Shop</h1></body></html>`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sluice.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${sluice.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return response.json() as Promise<unknown>;
  };
  const setSettings = (settings: Record<string, unknown>) => api('PATCH', '/privacy/settings', settings);
  const setCategories = (categories: unknown) => api('PUT', '/consent/categories', categories);
  const consentOf = async (anonymousId: string) => (await api('GET', `/profiles/${encodeURIComponent(anonymousId)}/consent`)) as ProfileConsent;
  /** The ledger's banner choices once there are `count`. */
  const bannerChoices = (anonymousId: string, count: number) =>
    eventually(async () => {
      const consent = await consentOf(anonymousId);
      const choices = consent.history.filter((h) => h.source === 'event');
      return choices.length >= count ? { consent, choices } : undefined;
    });

  async function open(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Routed, so Chromium's cache never answers a reload with the script served before a settings change.
    await page.route('**/consent.js*', (route) => route.continue());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/shop`);
    return { context, page, errors };
  }
  const banner = (page: Page) => page.locator('#sluice-consent [role="dialog"]');
  const box = (page: Page, id: string) => page.locator(`#sluice-consent input[data-category="${id}"]`);
  const notice = (page: Page, which: string) => page.locator(`#sluice-consent [data-notice="${which}"]`);
  const waitInitialized = (page: Page) => page.waitForFunction(() => (window as unknown as { analytics?: BrowserAnalytics }).analytics?.initialized === true, undefined, { timeout: 15_000 });
  const initialized = (page: Page) => page.evaluate(() => (window as unknown as { analytics: BrowserAnalytics }).analytics.initialized === true);
  const anonymousIdOf = (page: Page) => page.evaluate(() => (window as unknown as { analytics: BrowserAnalytics }).analytics.user().anonymousId());
  const preferences = (page: Page) => page.evaluate(() => (window as unknown as { __sluiceConsent: SluiceConsent }).__sluiceConsent.preferences);
  const cookiePolicy = async (context: BrowserContext) => {
    const cookie = (await context.cookies(site.url)).find((c) => c.name === 'sluice_consent');
    return (JSON.parse(decodeURIComponent(cookie!.value)) as { policy: string | null }).policy;
  };

  it('records with each choice the banner wording it was made on, kept once by its hash, and shows it in the proof of consent', async () => {
    const { context, page, errors } = await open();
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    const shown = await banner(page).evaluate((panel) => ({ title: panel.querySelector('h2')!.textContent, labels: Array.from(panel.querySelectorAll('label'), (l) => l.textContent) }));
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const { consent, choices } = await bannerChoices(anonymousId, 1);
    expect(choices[0]!.categories).toEqual(ALL_ON);
    const version = choices[0]!.bannerVersion!;
    expect(version).toMatch(/^[0-9a-f]{64}$/);
    expect(consent.banners.map((b) => b.version)).toEqual([version]);
    const content = consent.banners[0]!.content;
    // The wording kept is the wording the page showed, and its version is its hash (content-addressed).
    expect(bannerVersionOf(content)).toBe(version);
    expect(content.text.title).toBe(shown.title);
    expect(content.categories.map((c) => c.name + (c.required ? content.text.alwaysOn : ''))).toEqual(shown.labels);
    expect(content.categories.find((c) => c.id === 'analytics')?.description).toBe('Measures how the site is used, so it can be improved.');

    // The workspace rewords a category: a later choice names the new wording, and the first one keeps its own.
    const reworded = DEFAULT_CONSENT_CATEGORIES.map((c) => (c.id === 'analytics' ? { ...c, description: 'Counts visits and clicks.' } : c));
    await setCategories(reworded);
    try {
      await page.reload();
      await page.evaluate(() => (window as unknown as { __sluiceConsent: { open(): void } }).__sluiceConsent.open());
      await box(page, 'analytics').uncheck();
      await page.getByRole('button', { name: 'Save my choices' }).click();
      const later = await bannerChoices(anonymousId, 2);
      const second = later.choices[1]!;
      expect(second.categories.analytics).toBe(false);
      expect(second.bannerVersion).not.toBe(version);
      expect(later.consent.banners.map((b) => b.version).sort()).toEqual([version, second.bannerVersion].sort());
      const newer = later.consent.banners.find((b) => b.version === second.bannerVersion)!.content;
      expect(newer.categories.find((c) => c.id === 'analytics')?.description).toBe('Counts visits and clicks.');
      // Served again, the same wording is kept once.
      const rows = await sluice.store.consent.banners((await sluice.store.workspaces.list())[0]!.id, [version, second.bannerVersion!, version]);
      expect(rows).toHaveLength(2);
    } finally {
      await setCategories(DEFAULT_CONSENT_CATEGORIES);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opt-in: a new policy version asks again with the earlier choices filled in, carries no consent over until answered, and records the answer under the new version', async () => {
    await setSettings({ policyVersion: '2026-01' });
    try {
      const { context, page, errors } = await open();
      await page.getByRole('button', { name: 'Accept all' }).click();
      await waitInitialized(page);
      const anonymousId = await anonymousIdOf(page);
      expect((await bannerChoices(anonymousId, 1)).choices[0]!.policyVersion).toBe('2026-01');
      expect(await cookiePolicy(context)).toBe('2026-01');

      // The same policy on the next visit: no banner.
      await page.reload();
      await waitInitialized(page);
      expect(await banner(page).isVisible()).toBe(false);

      await setSettings({ policyVersion: '2026-12' });
      await page.reload();
      await expect.poll(() => banner(page).isVisible()).toBe(true);
      expect(await notice(page, 'policy-changed').textContent()).toContain('version 2026-12');
      expect(await notice(page, 'new-categories').isVisible()).toBe(false);
      // The earlier choice is filled in, but until answered nothing optional is granted and analytics.js waits.
      expect(await box(page, 'analytics').isChecked()).toBe(true);
      expect(await box(page, 'advertising').isChecked()).toBe(true);
      expect(await preferences(page)).toEqual(ALL_OFF);
      await page.waitForTimeout(500);
      expect(await initialized(page)).toBe(false);
      // Escape does not make it go away unanswered.
      await page.keyboard.press('Escape');
      expect(await banner(page).isVisible()).toBe(true);

      // Saved as filled in: the same categories, recorded again under the new policy version.
      await page.getByRole('button', { name: 'Save my choices' }).click();
      await waitInitialized(page);
      const { choices } = await bannerChoices(anonymousId, 2);
      expect(choices[1]).toMatchObject({ categories: ALL_ON, policyVersion: '2026-12' });
      expect(await cookiePolicy(context)).toBe('2026-12');
      expect(await preferences(page)).toEqual(ALL_ON);
      await page.reload();
      await waitInitialized(page);
      expect(await banner(page).isVisible()).toBe(false);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await setSettings({ policyVersion: null });
    }
  });

  it('opt-out: a new policy version asks again, keeping the earlier refusal meanwhile', async () => {
    await setSettings({ consentModel: 'opt-out', policyVersion: '2026-01' });
    try {
      const { context, page, errors } = await open();
      await waitInitialized(page);
      await box(page, 'advertising').uncheck();
      await page.getByRole('button', { name: 'Save my choices' }).click();
      await setSettings({ policyVersion: '2026-12' });
      await page.reload();
      await waitInitialized(page); // opt-out: analytics.js does not wait
      await expect.poll(() => banner(page).isVisible()).toBe(true);
      expect(await notice(page, 'policy-changed').isVisible()).toBe(true);
      expect(await preferences(page)).toEqual({ ...ALL_ON, advertising: false });
      expect(await box(page, 'advertising').isChecked()).toBe(false);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await setSettings({ consentModel: 'opt-in', policyVersion: null });
    }
  });

  for (const model of ['opt-in', 'opt-out'] as const) {
    it(`${model}: a category added after the visitor chose is asked about${model === 'opt-in' ? ', off until answered' : ''}`, async () => {
      await setSettings({ consentModel: model });
      try {
        const { context, page, errors } = await open();
        await expect.poll(() => banner(page).isVisible()).toBe(true);
        await page.getByRole('button', { name: 'Accept all' }).click();
        await waitInitialized(page);
        const anonymousId = await anonymousIdOf(page);
        await bannerChoices(anonymousId, 1);

        await setCategories([...DEFAULT_CONSENT_CATEGORIES, { id: 'personalization', name: 'Personalization', description: 'Recommends products.' }]);
        await page.reload();
        await waitInitialized(page); // the choice for the other categories still holds
        await expect.poll(() => banner(page).isVisible()).toBe(true);
        expect(await notice(page, 'new-categories').isVisible()).toBe(true);
        expect(await notice(page, 'policy-changed').isVisible()).toBe(false);
        expect(await page.locator('#sluice-consent [data-new="personalization"]').isVisible()).toBe(true);
        expect(await page.locator('#sluice-consent [data-new]').count()).toBe(1);
        // Meanwhile: the earlier categories as chosen, the new one by the model (never granted without asking under opt-in).
        expect(await preferences(page)).toEqual({ ...ALL_ON, personalization: model === 'opt-out' });
        expect(await box(page, 'analytics').isChecked()).toBe(true);

        await box(page, 'personalization').setChecked(false);
        await page.getByRole('button', { name: 'Save my choices' }).click();
        const { choices } = await bannerChoices(anonymousId, 2);
        expect(choices[1]!.categories).toEqual({ ...ALL_ON, personalization: false });
        await page.reload();
        await waitInitialized(page);
        expect(await banner(page).isVisible()).toBe(false);
        expect(await preferences(page)).toEqual({ ...ALL_ON, personalization: false });
        expect(errors).toEqual([]);
        await context.close();
      } finally {
        await setCategories(DEFAULT_CONSENT_CATEGORIES);
        await setSettings({ consentModel: 'opt-in' });
      }
    });
  }
});
