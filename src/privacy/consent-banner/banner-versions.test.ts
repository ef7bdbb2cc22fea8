import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bannerVersionOf } from '../../core/consent/banner-content.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { DEFAULT_BANNER_CATEGORIES } from './banner-config.js';
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
    const first = await versions.versionOf('ws_1', DEFAULT_BANNER_CATEGORIES, '2026-01');
    expect(first.version).toBe(bannerVersionOf(first.content));
    expect((await versions.versionOf('ws_1', DEFAULT_BANNER_CATEGORIES, '2026-01')).version).toBe(first.version);
    const reworded = await versions.versionOf('ws_1', DEFAULT_BANNER_CATEGORIES.map((c) => ({ ...c, name: c.name.toUpperCase() })), '2026-01');
    const otherPolicy = await versions.versionOf('ws_1', DEFAULT_BANNER_CATEGORIES, '2026-12');
    expect(new Set([first.version, reworded.version, otherPolicy.version]).size).toBe(3);
    expect((await store.consent.banners('ws_1', [first.version, reworded.version, otherPolicy.version])).map((b) => b.version).sort()).toEqual([first.version, reworded.version, otherPolicy.version].sort());
    expect(await store.consent.banners('ws_2', [first.version])).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('serves the version when the store cannot keep it, and says so', async () => {
    const failures: unknown[] = [];
    const versions = new BannerVersions(store.consent, (error) => failures.push(error));
    await store.close();
    const served = await versions.versionOf('ws_1', DEFAULT_BANNER_CATEGORIES, null);
    expect(served.version).toMatch(/^[0-9a-f]{64}$/);
    expect(failures).toHaveLength(1);
  });
});
