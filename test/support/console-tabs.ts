import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { api } from './api-client.js';
import { setUpOwner } from './browser.js';
import { ConsoleClient } from './console-client.js';
import type { TestSluice } from './start-test-sluice.js';

/** The owner whose account a console test creates through the setup link. */
export const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

/** Where screenshots go when refreshing them (`UPDATE_SCREENSHOTS=1`), else undefined. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : undefined;

/**
 * A screenshot into docs/screenshots when refreshing them (`UPDATE_SCREENSHOTS=1 npx vitest run <the test file>`):
 * the full page, only what the window shows (`'viewport'`), or only `part` of it. Without UPDATE_SCREENSHOTS=1 it
 * does nothing.
 */
export async function shot(page: Page, name: string, part?: Locator | 'viewport'): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  await (part && part !== 'viewport' ? part.screenshot({ path }) : page.screenshot({ path, fullPage: part !== 'viewport' }));
}

/** A second person in a browser of their own (own cookies): a console tab not logged in, its page errors collected. */
export async function otherPersonTab(browser: Browser, errors: string[]): Promise<{ other: BrowserContext; tab: Page }> {
  const other = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const tab = await other.newPage();
  tab.setDefaultTimeout(15_000);
  tab.on('pageerror', (error) => errors.push(error.message));
  return { other, tab };
}

/**
 * A tab of the console logged in as the owner ({@link OWNER}, created through the setup link), its page errors
 * collected (`options`: the browser context's, such as its viewport or permissions).
 */
export async function ownerPage(browser: Browser, sluice: TestSluice, errors: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, ...options })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => errors.push(error.message));
  await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, OWNER);
  return page;
}

/** A tab of the console logged in through the login form as a member who has a password (`options`: its time zone). */
export async function memberPage(browser: Browser, sluice: TestSluice, member: { email: string; password: string }, errors: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, ...options })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(sluice.url);
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

/** Invites a member with `role` through the admin API and accepts the invitation with a password. */
export async function addMember(sluice: TestSluice, member: { email: string; name: string; role: string; password: string }): Promise<void> {
  const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: member.email, name: member.name, role: member.role } });
  expect(invited.status, invited.text).toBe(201);
  expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: member.password })).status).toBe(200);
}
