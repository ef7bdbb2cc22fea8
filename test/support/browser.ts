import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { serviceUnavailable } from './services.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when Debian's chromium is installed; otherwise skips loudly (or throws with CI=true). */
export function chromiumMissing(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return false;
  } catch {
    return serviceUnavailable('Chromium', `${CHROMIUM_PATH} not found; install it with: apt-get install -y chromium`);
  }
}

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * True when console/dist is missing or older than console/src (the UI tests would drive a stale console);
 * skips loudly, or throws with CI=true (where `npm ci` builds it).
 */
export function consoleBuildMissing(): boolean {
  const index = `${CONSOLE_DIR}dist/index.html`;
  if (!existsSync(index)) return serviceUnavailable('The console build', 'console/dist is missing; run: npm run build:console');
  if (statSync(index).mtimeMs < newestMtime(`${CONSOLE_DIR}src`)) {
    return serviceUnavailable('An up-to-date console build', 'console/dist is older than console/src; run: npm run build:console');
  }
  return false;
}

let shared: Promise<Browser> | undefined;

/** This test process's Chromium, started at its first use (and again if it crashed). */
async function sharedChromium(): Promise<Browser> {
  const running = shared && (await shared.catch(() => undefined));
  if (running?.isConnected()) return running;
  shared = chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return shared;
}

/**
 * Headless Debian chromium, quiet (no background traffic), for a test file. The browser process is shared by the test
 * files a vitest worker process runs (one after another, never at once: `isolate: false`), and ends with that process
 * (Playwright kills the browsers it launched when its process exits): starting Chromium for each of some 30 files cost
 * a second or more of CPU each. What a test file gets is its own view of it: the contexts and pages it opens through
 * it are its own (cookies and storage per context, as with a browser of its own), and its `close()` closes those and
 * leaves the browser to the next file.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await sharedChromium();
  const contexts = new Set<BrowserContext>();
  const own = (context: BrowserContext) => {
    contexts.add(context);
    context.once('close', () => contexts.delete(context));
    return context;
  };
  const view: Partial<Browser> = {
    newContext: async (options) => own(await browser.newContext(options)),
    newPage: async (options) => {
      const page = await browser.newPage(options);
      own(page.context());
      return page;
    },
    contexts: () => [...contexts],
    close: async () => {
      await Promise.all([...contexts].map((context) => context.close()));
    },
  };
  return new Proxy(browser, {
    get(target, property) {
      if (Object.hasOwn(view, property)) return view[property as keyof Browser];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A page of {@link serveHtml}: its HTML, or its HTML with response headers (a Content-Security-Policy). */
export type SitePage = string | { html: string; headers: Record<string, string> };

/**
 * A tiny web site on its own origin (127.0.0.1, random port) serving fixed HTML pages by path. With `proxyTo`,
 * every other path is passed to that origin as a reverse proxy would (Sluice served first-party, on the site's origin).
 */
export async function serveHtml(pages: Record<string, SitePage>, options: { proxyTo?: () => string | undefined } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const page = pages[(request.url ?? '/').split('?')[0]!];
    const upstream = page === undefined ? options.proxyTo?.() : undefined;
    if (upstream !== undefined) {
      const forwarded = httpRequest(new URL(request.url ?? '/', upstream), { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on('error', () => response.writeHead(502).end());
      request.pipe(forwarded);
      return;
    }
    if (page === undefined) {
      response.writeHead(404).end();
      return;
    }
    const { html, headers } = typeof page === 'string' ? { html: page, headers: {} } : page;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Segment's standard analytics.js snippet (5.2.1, as published in Segment's docs) with only the CDN host
 * changed: `https://cdn.segment.com` becomes `cdnOrigin`.
 */
export function segmentSnippet(cdnOrigin: string, writeKey: string): string {
  return `!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="${cdnOrigin}/analytics.js/v1/" + key + "/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey="${writeKey}";;analytics.SNIPPET_VERSION="5.2.1";
analytics.load("${writeKey}");
analytics.page();
}}();`;
}

/**
 * A browser tab (1366 x 900) in which the owner has just created their console account through the setup link: the
 * usual start of a console test. Page errors are collected into `errors` (a test checks it stays empty).
 */
export async function openConsoleAsOwner(
  browser: Browser,
  sluice: { url: string; bootstrap: { setupToken?: string } },
  owner: { name: string; email: string; password: string },
  errors: string[],
): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => errors.push(error.message));
  await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, owner);
  return page;
}

/**
 * Creates the owner's console account through the setup link, as a person would on first run, and waits for the
 * overview: the common first step of the console's browser tests.
 */
export async function setUpOwner(page: Page, consoleUrl: string, setupToken: string, owner: { name: string; email: string; password: string }): Promise<void> {
  await page.goto(`${consoleUrl}/setup?token=${setupToken}`);
  await page.getByLabel('Your name').fill(owner.name);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByLabel('Repeat the password').fill(owner.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/**
 * Holds the page's `method` requests to URLs matching `url` until `release()` (what a slow API looks like to the
 * console): the request goes on only then. `stop()` releases and removes the hold; call it once the held
 * request's answer has arrived (removing the route before the held request went on makes Playwright fail it).
 * @example
 *   const hold = await holdRequests(page, settingsUrlGlob, 'PATCH');
 *   try { ...click Save, check the form is locked... } finally { hold.release(); }
 *   ...wait for the answer...; await hold.stop();
 */
export async function holdRequests(page: Page, url: string, method: string): Promise<{ release: () => void; stop: () => Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    if (route.request().method() === method) await held;
    await route.continue();
  });
  return {
    release: () => release(),
    async stop() {
      release();
      await page.unroute(url);
    },
  };
}
