import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable, type TestSchema } from '../../test/support/postgres.js';
import { DEFAULT_WORKSPACE_ID } from '../core/workspace.js';
import { openPostgresStore } from '../store/postgres/postgres-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { bootstrap } from './bootstrap.js';

const postgres = await postgresAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqliteStore(): Promise<SqlStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bootstrap-'));
  const store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** `count` stores on one fresh PostgreSQL schema, as that many processes would open it (the first migrates). */
async function postgresStores(count: number): Promise<SqlStore[]> {
  const schema: TestSchema = await createTestSchema('bootstrap');
  cleanups.push(() => schema.drop());
  const stores: SqlStore[] = [];
  for (let i = 0; i < count; i++) {
    const store = await openPostgresStore({ connectionString: schema.url, schema: schema.schema, poolSize: 2, migrate: i === 0 });
    cleanups.push(() => store.close());
    stores.push(store);
  }
  return stores;
}

/** What a first start that was killed after its first steps leaves: the claim, the workspace and an owner token nobody saw. */
async function abandonFirstStart(store: SqlStore, ownerToken = 'sl_never-shown-to-anyone-0123456789'): Promise<void> {
  await store.installation.setIfAbsent('bootstrap_claim', 'claim-of-a-killed-process');
  await store.workspaces.create({ id: DEFAULT_WORKSPACE_ID, name: 'Default workspace' });
  await store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Owner bootstrap token', secret: ownerToken, role: 'owner' });
}

const dialects = [
  { name: 'SQLite', open: sqliteStore, run: true },
  { name: 'PostgreSQL', open: async () => (await postgresStores(1))[0]!, run: postgres },
];

for (const dialect of dialects) {
  describe.runIf(dialect.run)(`first start on ${dialect.name}`, () => {
    it('runs once: a later start finds the workspace, the owner token and the default source', async () => {
      const store = await dialect.open();
      const first = await bootstrap(store, undefined);
      expect(first).toMatchObject({ firstStart: true, workspaceId: DEFAULT_WORKSPACE_ID });
      expect(await store.tokens.authenticate(first.generatedToken!, Date.now())).toMatchObject({ role: 'owner' });
      const again = await bootstrap(store, undefined);
      expect(again).toEqual({ firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: first.defaultWriteKey });
      expect(await store.sources.list(DEFAULT_WORKSPACE_ID)).toHaveLength(1);
    });

    it('finishes a first start that stopped half way, with a new owner token shown and the unseen one revoked', async () => {
      const store = await dialect.open();
      await abandonFirstStart(store);
      const resumed: string[] = [];
      const boot = await bootstrap(store, undefined, { takeOverAfterMs: 0, onResumed: (claim) => resumed.push(claim) });
      expect(resumed).toEqual(['claim-of-a-killed-process']);
      expect(boot.firstStart).toBe(true);
      expect(boot.setupToken).toBeDefined();
      expect(await store.tokens.authenticate(boot.generatedToken!, Date.now())).toMatchObject({ role: 'owner', workspaceId: DEFAULT_WORKSPACE_ID });
      expect(await store.tokens.authenticate('sl_never-shown-to-anyone-0123456789', Date.now())).toBeUndefined();
      const sources = await store.sources.list(DEFAULT_WORKSPACE_ID);
      expect(sources.map((s) => s.writeKey)).toEqual([boot.defaultWriteKey]);
      // Finished for good: the next start is an ordinary one.
      expect(await bootstrap(store, undefined)).toMatchObject({ firstStart: false, defaultWriteKey: boot.defaultWriteKey });
    });

    it('leaves no heartbeat behind: its own once the first start is done, and those of first starts taken over at the next start', async () => {
      const store = await dialect.open();
      const heartbeats = async () => (await store.db.selectFrom('installation').select('key').where('key', 'like', 'bootstrap%heartbeat%').execute()).map((r) => r.key);
      await abandonFirstStart(store);
      await store.installation.replace('bootstrap_heartbeat:claim-of-a-killed-process', '7');
      // Beating while it works (takeOverAfterMs > 0, as on PostgreSQL); a resumed first start beats under its own claim.
      const boot = await bootstrap(store, undefined, { takeOverAfterMs: 50 });
      expect(boot.firstStart).toBe(true);
      expect(await heartbeats()).toEqual([]);
      // A row a slow holder wrote after the finish goes at the next start.
      await store.installation.replace('bootstrap_heartbeat:claim-of-a-slow-holder', '3');
      expect(await bootstrap(store, undefined, { takeOverAfterMs: 50 })).toMatchObject({ firstStart: false });
      expect(await heartbeats()).toEqual([]);
      // Other installation keys stay.
      expect(await store.installation.get('bootstrap_claim')).toBe('claim-of-a-killed-process');
      expect(await store.installation.get('bootstrap_resumed:claim-of-a-killed-process')).toBeDefined();
    });

    it('keeps the configured owner token when a first start with SLUICE_ADMIN_TOKEN stopped after making it', async () => {
      const store = await dialect.open();
      const configured = 'configured-owner-token-0123456789abcdef';
      await abandonFirstStart(store, configured);
      const boot = await bootstrap(store, configured, { takeOverAfterMs: 0 });
      expect(boot).toMatchObject({ firstStart: true, generatedToken: undefined });
      expect(await store.tokens.authenticate(configured, Date.now())).toMatchObject({ role: 'owner' });
      expect((await store.tokens.list(DEFAULT_WORKSPACE_ID)).filter((t) => t.revokedAt === null)).toHaveLength(1);
    });
  });
}

describe.runIf(postgres)('first start on PostgreSQL with several processes', () => {
  it('is done by exactly one of several processes starting at once', async () => {
    const stores = await postgresStores(4);
    const boots = await Promise.all(stores.map((store) => bootstrap(store, undefined, { takeOverAfterMs: 15_000 })));
    expect(boots.filter((b) => b.firstStart)).toHaveLength(1);
    expect(new Set(boots.map((b) => b.defaultWriteKey)).size).toBe(1);
    expect((await stores[0]!.tokens.list(DEFAULT_WORKSPACE_ID)).filter((t) => t.revokedAt === null)).toHaveLength(1);
    expect(await stores[0]!.sources.list(DEFAULT_WORKSPACE_ID)).toHaveLength(1);
  });

  it('waits for a first start another process is still doing instead of finishing it twice', async () => {
    const [other, mine] = await postgresStores(2);
    await other!.installation.setIfAbsent('bootstrap_claim', 'claim-of-a-process-still-starting');
    const resumed: string[] = [];
    const waiting = bootstrap(mine!, undefined, { takeOverAfterMs: 5_000, onResumed: (claim) => resumed.push(claim) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The other process finishes its first start meanwhile.
    await other!.workspaces.create({ id: DEFAULT_WORKSPACE_ID, name: 'Default workspace' });
    const source = await other!.sources.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Default source' });
    await other!.installation.setIfAbsent('bootstrapped_at', new Date().toISOString());
    expect(await waiting).toEqual({ firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: source.writeKey });
    expect(resumed).toEqual([]);
  });

  it('waits for a first start slower than the takeover time while its holder\'s heartbeat moves, and takes over one that stopped beating', async () => {
    // Before, the wait was a fixed time whatever the holder did (15 s in sluice start): a slow first start was taken
    // over and done twice, and one that had died cost every start that much. Now the holder beats and the others wait
    // on the heartbeat, so the takeover time can be short.
    const [other, mine] = await postgresStores(2);
    await other!.installation.setIfAbsent('bootstrap_claim', 'claim-of-a-slow-first-start');
    let beats = 0;
    const beating = setInterval(() => void other!.installation.replace('bootstrap_heartbeat:claim-of-a-slow-first-start', String((beats += 1))), 100);
    const resumed: string[] = [];
    try {
      const waiting = bootstrap(mine!, undefined, { takeOverAfterMs: 500, onResumed: (claim) => resumed.push(claim) });
      // Three times the takeover time, still beating: the first start is still under way.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(resumed).toEqual([]);
      await other!.workspaces.create({ id: DEFAULT_WORKSPACE_ID, name: 'Default workspace' });
      const source = await other!.sources.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Default source' });
      await other!.installation.setIfAbsent('bootstrapped_at', new Date().toISOString());
      expect(await waiting).toEqual({ firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: source.writeKey });
      expect(resumed).toEqual([]);
    } finally {
      clearInterval(beating);
    }
    // A claim whose heartbeat stood still (a process killed half way) is finished by the next start.
    const [dead, next] = await postgresStores(2);
    await dead!.installation.setIfAbsent('bootstrap_claim', 'claim-of-a-killed-process');
    await dead!.installation.replace('bootstrap_heartbeat:claim-of-a-killed-process', '7');
    const taken: string[] = [];
    const boot = await bootstrap(next!, undefined, { takeOverAfterMs: 500, onResumed: (claim) => taken.push(claim) });
    expect(taken).toEqual(['claim-of-a-killed-process']);
    expect(boot.firstStart).toBe(true);
    expect(await next!.tokens.authenticate(boot.generatedToken!, Date.now())).toMatchObject({ role: 'owner' });
  });
});
