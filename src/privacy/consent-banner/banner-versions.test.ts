import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bannerVersionOf } from '../../core/consent/banner-content.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { BANNER_TEXTS } from '../../core/consent/banner-texts.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../../core/consent/consent-category.js';
import { bannerCategory } from './banner-config.js';

const DEFAULTS = DEFAULT_CONSENT_CATEGORIES.map((c) => bannerCategory(c, 'en'));
const EN = BANNER_TEXTS.en;
import { BannerVersions } from './banner-versions.js';

let dir: string;
let store: SqlStore;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-banner-versions-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
});
afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('banner versions', () => {
  it('keeps each wording once, under the hash of its content, per workspace', async () => {
    const failures: unknown[] = [];
    const versions = new BannerVersions(store.consent, (error) => failures.push(error));
    const first = await versions.versionOf('ws_1', EN, DEFAULTS, '2026-01');
    expect(first.version).toBe(bannerVersionOf(first.content));
    expect((await versions.versionOf('ws_1', EN, DEFAULTS, '2026-01')).version).toBe(first.version);
    const reworded = await versions.versionOf('ws_1', EN, DEFAULTS.map((c) => ({ ...c, name: c.name.toUpperCase() })), '2026-01');
    const otherPolicy = await versions.versionOf('ws_1', EN, DEFAULTS, '2026-12');
    const german = await versions.versionOf('ws_1', BANNER_TEXTS.de, DEFAULT_CONSENT_CATEGORIES.map((c) => bannerCategory(c, 'de')), '2026-01');
    const all = [first.version, reworded.version, otherPolicy.version, german.version];
    expect(new Set(all).size).toBe(4);
    expect((await store.consent.banners('ws_1', all)).map((b) => b.version).sort()).toEqual([...all].sort());
    expect((await store.consent.banners('ws_1', [german.version]))[0]?.content.text.rejectAll).toBe('Alle ablehnen');
    expect(await store.consent.banners('ws_2', [first.version])).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('serves the version when the store cannot keep it, and says so', async () => {
    const failures: unknown[] = [];
    const versions = new BannerVersions(store.consent, (error) => failures.push(error));
    await store.close();
    const served = await versions.versionOf('ws_1', EN, DEFAULTS, null);
    expect(served.version).toMatch(/^[0-9a-f]{64}$/);
    expect(failures).toHaveLength(1);
  });
});
