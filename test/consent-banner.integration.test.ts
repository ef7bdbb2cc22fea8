import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentSnippet } from '../console/src/snippets.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../src/core/consent/consent-category.js';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

type Prefs = Record<string, boolean>;
type StoredEventView = Record<string, unknown> & { type: string; event?: string; context?: { consent?: { categoryPreferences?: Prefs } } };
interface BrowserAnalytics {
  initialized?: boolean;
  track(event: string, properties?: Record<string, unknown>): Promise<unknown>;
  user(): { anonymousId(): string };
}

const skip = chromiumMissing();
const ALL_ON: Prefs = { necessary: true, functional: true, analytics: true, advertising: true };
const ALL_OFF: Prefs = { necessary: true, functional: false, analytics: false, advertising: false };

describe.skipIf(skip)('consent banner (/consent.js) on a site in headless Chromium', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice();
    const page = (writeKey: string) =>
      `<!doctype html><html><head><title>Shop</title><script src="${sluice.url}/consent.js?writeKey=${writeKey}"></script><script>analytics.page();</script></head>` +
      `<body><h1>Shop</h1><a href="#" data-sluice-privacy-choices>Your privacy choices</a></body></html>`;
    // The tag exactly as the console gives it, then a page script using analytics (and, on one page, Segment's snippet).
    const tagged = (title: string, after: string) =>
      `<!doctype html><html><head><title>${title}</title>${consentSnippet(sluice.url, sluice.writeKey)}${after}</head><body><h1>${title}</h1></body></html>`;
    site = await serveHtml({
      '/shop': page(sluice.writeKey),
      '/tagged': tagged('Tagged', `<script>analytics.page('Tagged');</script>`),
      '/with-snippet': tagged('With snippet', `<script>${segmentSnippet(sluice.url, sluice.writeKey)}</script>`),
      '/spa': tagged('Shop app', ''),
      // A strict Content-Security-Policy: scripts by nonce or from Sluice, styles only from the site itself.
      '/strict-csp': {
        html: `<!doctype html><html><head><title>Strict</title><script nonce="abc" src="${sluice.url}/consent.js?writeKey=${sluice.writeKey}"></script><script nonce="abc">analytics.page();</script></head><body><h1>Strict</h1></body></html>`,
        headers: { 'content-security-policy': `script-src 'nonce-abc' ${sluice.url}; style-src 'self'` },
      },
      '/strict-csp-nonce': {
        html: `<!doctype html><html><head><title>Strict</title><script nonce="abc" src="${sluice.url}/consent.js?writeKey=${sluice.writeKey}"></script></head><body><h1>Strict</h1></body></html>`,
        headers: { 'content-security-policy': `script-src 'nonce-abc' ${sluice.url}; style-src 'nonce-abc'` },
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  async function storedEvents(anonymousId: string): Promise<StoredEventView[]> {
    const response = await fetch(`${sluice.url}/api/v1/events?anonymousId=${encodeURIComponent(anonymousId)}`, { headers: { authorization: `Bearer ${sluice.token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { events: StoredEventView[] }).events;
  }

  async function open(options: { gpc: boolean; path?: string; viewport?: { width: number; height: number }; initScript?: () => void }): Promise<{ context: BrowserContext; page: Page; errors: string[]; logs: string[]; scripts: string[] }> {
    const context = await browser.newContext({ ...(options.gpc && { extraHTTPHeaders: { 'Sec-GPC': '1' } }), ...(options.viewport && { viewport: options.viewport }) });
    if (options.gpc) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    if (options.initScript) await context.addInitScript(options.initScript);
    const page = await context.newPage();
    const errors: string[] = [];
    const logs: string[] = [];
    const scripts: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => logs.push(message.text()));
    page.on('request', (request) => {
      if (request.url().includes('/analytics.min.js')) scripts.push(request.url());
    });
    await page.goto(`${site.url}${options.path ?? '/shop'}`);
    return { context, page, errors, logs, scripts };
  }

  const banner = (page: Page) => page.locator('#sluice-consent [role="dialog"]');
  const initialized = (page: Page) => page.evaluate(() => (window as unknown as { analytics: BrowserAnalytics }).analytics.initialized === true);
  const waitInitialized = (page: Page) => page.waitForFunction(() => (window as unknown as { analytics?: BrowserAnalytics }).analytics?.initialized === true, undefined, { timeout: 15_000 });
  const anonymousIdOf = (page: Page) => page.evaluate(() => (window as unknown as { analytics: BrowserAnalytics }).analytics.user().anonymousId());
  const trackFrom = (page: Page, event: string) => page.evaluate((name) => (window as unknown as { analytics: BrowserAnalytics }).analytics.track(name).then(() => undefined), event);

  async function eventsNamed(anonymousId: string, names: string[]): Promise<Map<string, StoredEventView>> {
    return eventually(async () => {
      const events = await storedEvents(anonymousId);
      const byName = new Map(events.map((e) => [e.type === 'track' ? String(e.event) : e.type, e]));
      return names.every((n) => byName.has(n)) ? byName : undefined;
    });
  }

  it('opt-in: shows the banner, loads nothing before a choice, then stamps the rejection on every event', async () => {
    const { context, page, errors } = await open({ gpc: false });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    // Accept and reject are the same kind of button: equal prominence.
    const accept = page.getByRole('button', { name: 'Accept all' });
    const reject = page.getByRole('button', { name: 'Reject all' });
    expect(await accept.getAttribute('class')).toBe(await reject.getAttribute('class'));
    const [a, r] = [await accept.boundingBox(), await reject.boundingBox()];
    expect(Math.round(r!.height)).toBe(Math.round(a!.height));
    expect(await page.getByText('Advertising', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText('Measures how the site is used, so it can be improved.').isVisible()).toBe(true);
    await page.waitForTimeout(500);
    expect(await initialized(page)).toBe(false); // opt-in: analytics.js waits for a choice

    await reject.click();
    await waitInitialized(page);
    expect(await banner(page).isVisible()).toBe(false);
    await trackFrom(page, 'Product Viewed');
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated', 'Product Viewed']);
    for (const event of events.values()) expect(event.context?.consent?.categoryPreferences).toEqual(ALL_OFF);
    const cookies = await context.cookies(site.url);
    expect(cookies.find((c) => c.name === 'sluice_consent')).toBeDefined();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('accept all: the choice is remembered across visits, and the privacy choices link re-opens the banner', async () => {
    const { context, page, errors } = await open({ gpc: false });
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const first = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated']);
    for (const event of first.values()) expect(event.context?.consent?.categoryPreferences).toEqual(ALL_ON);

    // Next visit: no banner, analytics.js loads at once with the remembered choice.
    await page.reload();
    await waitInitialized(page);
    expect(await banner(page).isVisible()).toBe(false);
    await trackFrom(page, 'Second Visit');
    const second = await eventsNamed(anonymousId, ['Second Visit']);
    expect(second.get('Second Visit')!.context?.consent?.categoryPreferences).toEqual(ALL_ON);

    // Re-open from the link, turn analytics off: a new Consent Preference Updated carries the change.
    await page.getByRole('link', { name: 'Your privacy choices' }).click();
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    await page.locator('#sluice-consent input[data-category="analytics"]').uncheck();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await trackFrom(page, 'After Change');
    const changed = await eventsNamed(anonymousId, ['After Change']);
    expect(changed.get('After Change')!.context?.consent?.categoryPreferences).toEqual({ ...ALL_ON, analytics: false });
    const updates = (await storedEvents(anonymousId)).filter((e) => e.event === 'Segment Consent Preference Updated');
    expect(updates).toHaveLength(2);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('after an opt-out request for this browser, the banner shows the opted-out categories off, and saving another change does not grant them again', async () => {
    const { context, page, errors } = await open({ gpc: false });
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    await eventsNamed(anonymousId, ['Segment Consent Preference Updated']);

    // The visitor opts out of sale and sharing through the hosted privacy page, which names this browser's anonymousId.
    const filed = await fetch(`${sluice.url}/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ type: 'opt_out', anonymousId }),
    });
    expect(filed.status).toBe(202);
    const { id } = (await filed.json()) as { id: string };
    await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/privacy-requests/${id}`, { headers: { authorization: `Bearer ${sluice.token}` } });
      return ((await response.json()) as { status: string }).status === 'completed' ? true : undefined;
    });

    // Next visit: the stored "accept all" predates the opt-out; the banner shows advertising off...
    await page.reload();
    await waitInitialized(page);
    await page.getByRole('link', { name: 'Your privacy choices' }).click();
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    const advertising = page.locator('#sluice-consent input[data-category="advertising"]');
    await expect.poll(() => advertising.isChecked()).toBe(false);
    // ...and a change of another category, saved, leaves it off: events and the ledger still deny it.
    await page.locator('#sluice-consent input[data-category="analytics"]').uncheck();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await trackFrom(page, 'After Opt-Out');
    const after = await eventsNamed(anonymousId, ['After Opt-Out']);
    expect(after.get('After Opt-Out')!.context?.consent?.categoryPreferences).toEqual({ ...ALL_ON, analytics: false, advertising: false });
    const consent = await fetch(`${sluice.url}/api/v1/profiles/${encodeURIComponent(anonymousId)}/consent`, { headers: { authorization: `Bearer ${sluice.token}` } });
    const categories = ((await consent.json()) as { categories: { id: string; granted: boolean }[] }).categories;
    expect(categories.find((c) => c.id === 'advertising')?.granted).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('GPC on: gpc categories start denied, the banner says "Opt-Out Request Honored", and accept all keeps them denied', async () => {
    const { context, page, errors } = await open({ gpc: true });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    expect(await page.getByText('Opt-Out Request Honored', { exact: false }).first().isVisible()).toBe(true);
    const advertising = page.locator('#sluice-consent input[data-category="advertising"]');
    expect(await advertising.isDisabled()).toBe(true);
    expect(await advertising.isChecked()).toBe(false);

    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    await trackFrom(page, 'Checkout Started');
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated', 'Checkout Started']);
    for (const event of events.values()) expect(event.context?.consent?.categoryPreferences).toEqual({ ...ALL_ON, advertising: false });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('serves the categories as JSON for sites with their own banner, and explains a wrong writeKey', async () => {
    const response = await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories`);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await response.json()) as { categories: { id: string; gpc?: boolean }[]; model: string };
    expect(body.categories.map((c) => c.id)).toEqual(['necessary', 'functional', 'analytics', 'advertising']);
    expect(body.model).toBe('opt-in');
    const wrong = await fetch(`${sluice.url}/consent.js?writeKey=nope`);
    // 200: a browser runs no script answered with an error status (test/browser-wrong-write-key.integration.test.ts).
    expect(wrong.status).toBe(200);
    expect(wrong.headers.get('x-sluice-error')).toBe('unknown_source');
    expect(await wrong.text()).toContain('console.error');
  });
  it('opt-out model: analytics.js loads before any choice, with optional categories granted (GPC still denies its categories)', async () => {
    const workspace = (await sluice.store.workspaces.list())[0]!;
    await sluice.store.workspaces.updateSettings(workspace.id, { ...workspace.settings, privacy: { consentModel: 'opt-out' } });
    try {
      for (const gpc of [false, true]) {
        const { context, page, errors } = await open({ gpc });
        await waitInitialized(page);
        expect(await banner(page).isVisible()).toBe(true); // still shown, to make a choice
        await trackFrom(page, 'Browsed');
        const anonymousId = await anonymousIdOf(page);
        const events = await eventsNamed(anonymousId, ['page', 'Browsed']);
        for (const event of events.values()) expect(event.context?.consent?.categoryPreferences, `gpc=${gpc}`).toEqual(gpc ? { ...ALL_ON, advertising: false } : ALL_ON);
        expect(errors).toEqual([]);
        await context.close();
      }
    } finally {
      await sluice.store.workspaces.updateSettings(workspace.id, workspace.settings);
    }
  });

  it('the tag the console gives defines window.analytics at once: a page script after it calls analytics.page(), sent once the visitor accepts', async () => {
    const { context, page, errors, scripts } = await open({ gpc: false, path: '/tagged' });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    await page.waitForTimeout(300);
    expect(scripts).toEqual([]); // opt-in: analytics.js waits for a choice
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated']);
    expect(events.get('page')).toMatchObject({ name: 'Tagged', properties: { path: '/tagged' }, context: { consent: { categoryPreferences: ALL_ON } } });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("with Segment's snippet after the tag: the snippet keeps its calls, analytics.js waits for the choice, then the snippet's page() is sent", async () => {
    const { context, page, errors, logs, scripts } = await open({ gpc: false, path: '/with-snippet' });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    await page.waitForTimeout(500);
    expect(scripts).toEqual([]); // the snippet's analytics.load() waits for the choice too
    expect(await initialized(page)).toBe(false);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated']);
    expect(events.get('page')).toMatchObject({ properties: { path: '/with-snippet', title: 'With snippet' }, context: { consent: { categoryPreferences: ALL_ON } } });
    expect(scripts).toHaveLength(1); // loaded once, by the snippet's own loader

    // Next visit, the choice remembered: the banner loads analytics.js at once, and the snippet's load adds no second copy.
    scripts.length = 0;
    await page.reload();
    await waitInitialized(page);
    await eventually(async () => ((await storedEvents(anonymousId)).filter((e) => e.type === 'page').length === 2 ? true : undefined));
    expect(scripts).toHaveLength(1);
    expect(logs.filter((l) => l.includes('included twice'))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an event queued before the choice keeps the page it was made on (the page context recorded per call, as by Segment’s snippet)', async () => {
    const { context, page, errors } = await open({ gpc: false, path: '/spa' });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    await page.evaluate(() => {
      const analytics = (window as unknown as { analytics: { page(name: string): void; track(name: string): void } }).analytics;
      history.pushState({}, '', '/spa/checkout?step=2');
      document.title = 'Checkout';
      analytics.page('Checkout');
      analytics.track('Checkout Step Viewed');
      history.pushState({}, '', '/spa/thanks');
      document.title = 'Thanks';
    });
    await page.getByRole('button', { name: 'Accept all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Checkout Step Viewed']);
    const checkout = { url: `${site.url}/spa/checkout?step=2`, path: '/spa/checkout', search: '?step=2', title: 'Checkout' };
    expect(events.get('page')).toMatchObject({ name: 'Checkout', properties: checkout, context: { page: checkout } });
    expect(events.get('Checkout Step Viewed')).toMatchObject({ context: { page: checkout } });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a 320x568 phone Reject all, Accept all and Save are fully in view without scrolling, Reject all as large as Accept all', async () => {
    for (const gpc of [false, true]) {
      const { context, page, errors } = await open({ gpc, viewport: { width: 320, height: 568 } });
      await expect.poll(() => banner(page).isVisible()).toBe(true);
      // The share of each button the visitor sees (clipped by the viewport and by any scrolling box around it).
      const inView = (name: string) =>
        page.getByRole('button', { name }).evaluate(
          (button) =>
            new Promise<number>((resolve) => {
              const observer = new IntersectionObserver(([entry]) => {
                observer.disconnect();
                resolve(entry!.intersectionRatio);
              });
              observer.observe(button);
            }),
        );
      for (const name of ['Reject all', 'Accept all', 'Save my choices']) expect(await inView(name), `${name}, gpc=${gpc}`).toBeGreaterThanOrEqual(0.99);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      const [reject, accept] = [await page.getByRole('button', { name: 'Reject all' }).boundingBox(), await page.getByRole('button', { name: 'Accept all' }).boundingBox()];
      expect([Math.round(reject!.width), Math.round(reject!.height)]).toEqual([Math.round(accept!.width), Math.round(accept!.height)]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("keeps its styling under a strict Content-Security-Policy (script-src 'nonce-abc' <sluice>; style-src 'self'), and analytics.js runs", async () => {
    const { context, page, errors, logs } = await open({ gpc: false, path: '/strict-csp' });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    const styled = await banner(page).evaluate((panel) => ({ position: getComputedStyle(panel).position, radius: getComputedStyle(panel).borderTopLeftRadius }));
    expect(styled).toEqual({ position: 'fixed', radius: '10px' });
    await page.getByRole('button', { name: 'Reject all' }).click();
    await waitInitialized(page);
    const anonymousId = await anonymousIdOf(page);
    const events = await eventsNamed(anonymousId, ['page', 'Segment Consent Preference Updated']);
    expect(events.get('page')!.context?.consent?.categoryPreferences).toEqual(ALL_OFF);
    expect(logs.filter((l) => l.includes('Content Security Policy'))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();

    // A browser without constructable stylesheets: a <style> carrying the nonce of the banner's script tag.
    const legacy = await open({ gpc: false, path: '/strict-csp-nonce', initScript: () => delete (ShadowRoot.prototype as Partial<ShadowRoot>).adoptedStyleSheets });
    await expect.poll(() => banner(legacy.page).isVisible()).toBe(true);
    expect(await banner(legacy.page).evaluate((panel) => getComputedStyle(panel).position)).toBe('fixed');
    expect(await legacy.page.locator('#sluice-consent style').count()).toBe(1);
    expect(legacy.logs.filter((l) => l.includes('Content Security Policy'))).toEqual([]);
    await legacy.context.close();
  });

  it('keyboard: Save, Accept all, Reject all and Escape give focus back to the "Your privacy choices" link that opened the banner; each checkbox is described by its category', async () => {
    const { context, page, errors } = await open({ gpc: false });
    await expect.poll(() => banner(page).isVisible()).toBe(true);
    const described = await page.locator('#sluice-consent input[data-category="analytics"]').evaluate((box) => {
      const id = box.getAttribute('aria-describedby');
      return id ? (box.getRootNode() as ShadowRoot).getElementById(id)?.textContent : null;
    });
    expect(described).toBe('Measures how the site is used, so it can be improved.');
    await page.getByRole('button', { name: 'Reject all' }).press('Enter'); // a first choice (Escape closes only once there is one)

    const link = page.getByRole('link', { name: 'Your privacy choices' });
    const linkFocused = () => page.evaluate(() => document.activeElement?.hasAttribute('data-sluice-privacy-choices') === true);
    for (const close of ['Save my choices', 'Accept all', 'Reject all', 'Escape']) {
      await link.press('Enter');
      await expect.poll(() => banner(page).isVisible(), { message: close }).toBe(true);
      if (close === 'Escape') await page.keyboard.press('Escape');
      else await page.getByRole('button', { name: close }).press('Enter');
      await expect.poll(() => banner(page).isVisible(), { message: close }).toBe(false);
      expect(await linkFocused(), close).toBe(true);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('GPC on in a workspace with no category marked gpc: the banner does not claim "Opt-Out Request Honored"', async () => {
    const put = (categories: unknown) => fetch(`${sluice.url}/api/v1/consent/categories`, { method: 'PUT', headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' }, body: JSON.stringify(categories) });
    expect((await put([{ id: 'necessary', name: 'Necessary', required: true }, { id: 'analytics', name: 'Analytics' }, { id: 'advertising', name: 'Advertising' }])).status).toBe(200);
    try {
      const { context, page, errors } = await open({ gpc: true });
      await expect.poll(() => banner(page).isVisible()).toBe(true);
      expect(await page.locator('#sluice-consent [data-gpc]').count()).toBe(0);
      expect(await page.getByText('Opt-Out Request Honored', { exact: false }).count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      // Back to what the other tests see: the banner's defaults (the API's defaults word the descriptions differently).
      expect((await put(DEFAULT_CONSENT_CATEGORIES)).status).toBe(200);
    }
  });
});
