import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandStoredRequest } from '../src/core/tracking/stored-request.js';
import { decodeStoredRequest } from '../src/queue/sqlite/inbox-table.js';
import { ownerApi } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { runCli } from './support/sluice-process.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
const servers: RecordingServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function storedFor(userId: string) {
  return sluice.store.events.query({ workspaceId: sluice.bootstrap.workspaceId, userId, limit: 5000 });
}

describe('sluice CLI', () => {
  it('prints help naming every command', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: sluice/);
    for (const command of ['start', 'import', 'backup']) expect(run.stdout).toContain(command);
    const importHelp = await runCli(['import', '--help']);
    expect(importHelp.stdout).toContain('--write-key');
    expect(importHelp.stdout).toContain('--url');
  }, 120_000);

  it('imports an NDJSON file: keeps good lines with their own timestamps, reports bad lines by number, exits 1', async () => {
    const bulk = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ type: 'track', userId: 'cli-bulk', event: 'Old Order', messageId: `cli-bulk-${i}`, timestamp: '2022-05-01T10:00:00.000Z', properties: { i } }));
    const lines = [
      JSON.stringify({ type: 'identify', userId: 'cli-1', traits: { plan: 'legacy' }, timestamp: '2021-01-02T03:04:05.000Z', messageId: 'cli-line-1' }),
      // sentAt from the original collection must not move the timestamp to the time of the import
      JSON.stringify({ type: 'track', userId: 'cli-1', event: 'Signed Up', timestamp: '2021-01-03T00:00:00.000Z', sentAt: '2021-01-03T00:00:05.000Z', messageId: 'cli-line-2' }),
      '{"type": "track", "userId": "cli-1", "event": ',
      '',
      '[1, 2, 3]',
      JSON.stringify({ type: 'track', userId: 'cli-1' }),
      JSON.stringify({ type: 'page', userId: 'cli-1', name: 'Pricing', timestamp: '2021-01-04T00:00:00.000Z' }),
      JSON.stringify({ type: 'track', event: 'Nobody' }),
      ...bulk,
    ];
    const file = path.join(work, 'history.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const run = await runCli(['import', file, '--write-key', sluice.writeKey, '--url', sluice.url]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${file}:3: invalid_json:`);
    expect(run.stderr).toContain(`${file}:5: invalid_body:`);
    expect(run.stderr).toContain(`${file}:6: event_not_string:`);
    expect(run.stderr).toContain(`${file}:8: no_user_anon_id:`);
    expect(run.stderr).not.toMatch(/:(1|2|4|7|9):/);
    expect(run.stderr).toContain('Importing ['); // the progress bar
    expect(run.stdout).toContain(`Imported 1203 events from ${lines.length} lines of ${file}`);
    expect(run.stdout).toContain('4 lines failed');

    const mine = await eventually(async () => {
      const found = await storedFor('cli-1');
      return found.length === 3 ? found : undefined;
    });
    const byType = new Map(mine.map((s) => [s.event.type, s.event]));
    expect(byType.get('identify')).toMatchObject({ timestamp: '2021-01-02T03:04:05.000Z', traits: { plan: 'legacy' } });
    expect(byType.get('track')).toMatchObject({ event: 'Signed Up', timestamp: '2021-01-03T00:00:00.000Z', originalTimestamp: '2021-01-03T00:00:00.000Z' });
    expect(byType.get('page')).toMatchObject({ name: 'Pricing', timestamp: '2021-01-04T00:00:00.000Z', messageId: expect.stringMatching(/^import-/) });
    await eventually(async () => ((await storedFor('cli-bulk')).length === 1200 ? true : undefined));

    // Importing the same file again stores nothing twice (lines without messageId included).
    const again = await runCli(['import', file, '--write-key', sluice.writeKey, '--url', sluice.url]);
    expect(again.code).toBe(1);
    await post('/v1/track', { userId: 'cli-1', event: 'Marker', messageId: 'cli-marker' });
    await eventually(async () => ((await storedFor('cli-1')).length === 4 ? true : undefined));
    expect((await storedFor('cli-bulk')).length).toBe(1200);
  }, 180_000);

  it('refuses to start without NATS in a sentence naming the address and the variable, no stack trace, exit code 1', async () => {
    // A port nothing listens on.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const run = await runCli(['start', '--role', 'ingest'], { SLUICE_QUEUE_URL: `nats://127.0.0.1:${port}`, SLUICE_DATA_DIR: mkdtempSync(path.join(work, 'nats-down-')), PORT: '0' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim()).toBe(`sluice: Could not connect to NATS at nats://127.0.0.1:${port} (SLUICE_QUEUE_URL): connection refused. Is nats-server running with JetStream (-js)?`);
  }, 60_000);

  it('refuses to start without PostgreSQL in a sentence naming the database and the variable, never the password, no stack trace, exit code 1', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // A scale-mode api process (NATS named too: the store is opened first, so PostgreSQL is what it reports).
    const run = await runCli(['start', '--role', 'api'], { SLUICE_DATABASE_URL: `postgres://sluice:s3cret@127.0.0.1:${port}/sluice`, SLUICE_QUEUE_URL: `nats://127.0.0.1:${port}`, SLUICE_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef', SLUICE_DATA_DIR: mkdtempSync(path.join(work, 'pg-down-')), PORT: '0' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim()).toMatch(new RegExp(`^sluice: Could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/sluice \\(SLUICE_DATABASE_URL\\): .*ECONNREFUSED.*Is it running`));
    expect(run.stderr).not.toContain('s3cret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('imports a clean file with exit code 0, and refuses an unknown writeKey with exit code 2', async () => {
    const file = path.join(work, 'clean.ndjson');
    writeFileSync(file, [1, 2, 3].map((i) => JSON.stringify({ type: 'track', userId: 'cli-clean', event: 'E', messageId: `cli-clean-${i}` })).join('\n'));
    const ok = await runCli(['import', file, '--write-key', sluice.writeKey, '--url', sluice.url]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Imported 3 events from 3 lines');
    expect(ok.stdout).toContain('dropped as duplicates when processed');
    expect(ok.stdout).toContain('0 lines failed');

    const refused = await runCli(['import', file, '--write-key', 'wrong-key', '--url', sluice.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refused the writeKey/);
    const missing = await runCli(['import', path.join(work, 'nope.ndjson'), '--write-key', sluice.writeKey, '--url', sluice.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read');

    // A --url nothing answers at (a typo, Sluice not started) is said at once, not after every batch's retries.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const unreachable = await runCli(['import', file, '--write-key', sluice.writeKey, '--url', `http://127.0.0.1:${port}`]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr.trim()).toBe(`sluice: Cannot reach Sluice at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): nothing was imported. Start Sluice, or give the address it runs at with --url.`);
    expect(unreachable.stderr).not.toContain('not_delivered');
  }, 120_000);

  it('backs up the embedded database while Sluice keeps accepting events', async () => {
    let loading = true;
    let sent = 0;
    const load = (async () => {
      for (let n = 0; loading; n++) {
        const batch = Array.from({ length: 50 }, (_, i) => ({ type: 'track', userId: 'cli-backup', event: 'During Backup', messageId: `cli-backup-${n}-${i}` }));
        const status = (await post('/v1/batch', { batch })).status;
        if (status === 200) sent += batch.length;
      }
    })();
    await eventually(async () => (sent >= 500 ? true : undefined));
    const ackedBeforeBackup = sent;

    const target = path.join(work, 'backups');
    const run = await runCli(['backup', target], { SLUICE_DATA_DIR: sluice.dataDir });
    loading = false;
    await load;
    expect(run.code, run.stderr).toBe(0);
    const file = /Backed up .* to (\S+\.db) \((\d+) events; integrity check ok\)/.exec(run.stdout);
    expect(file, run.stdout).not.toBeNull();
    const backupFile = file![1]!;
    expect(path.dirname(backupFile)).toBe(target);
    expect(existsSync(`${backupFile}-wal`)).toBe(false);

    const copy = new BetterSqlite3(backupFile, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.prepare('SELECT write_key FROM sources').pluck().all()).toContain(sluice.writeKey);
      const events = Number(copy.prepare('SELECT count(*) FROM events').pluck().get());
      expect(events).toBe(Number(file![2]));
      // Every event acknowledged before the backup began is in the copy: stored, or still in the inbox.
      const ids = new Set(copy.prepare("SELECT message_id FROM events WHERE user_id = 'cli-backup'").pluck().all() as string[]);
      // The queues' copy (taken first): an inbox row holds one Tracking API request as received (decision 0004).
      const queueCopy = /Backed up the queues \(.*\) to (\S+\.queue\.db)/.exec(run.stdout);
      expect(queueCopy, run.stdout).not.toBeNull();
      const queues = new BetterSqlite3(queueCopy![1]!, { readonly: true });
      try {
        expect(queues.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = queues.prepare('SELECT body, request FROM queue_inbox').all() as { body: Buffer; request: string | null }[];
        for (const row of rows) {
          expect(row.request, 'a Tracking API request row').not.toBeNull();
          for (const event of expandStoredRequest(decodeStoredRequest(row.request!, row.body)).events) {
            if (event.userId === 'cli-backup') ids.add(event.messageId);
          }
        }
      } finally {
        queues.close();
      }
      expect(ids.size).toBeGreaterThanOrEqual(ackedBeforeBackup);
      // The delivery log's copy (its own file), checked like the others.
      const logCopy = /Backed up the delivery log \(.*\) to (\S+\.deliveries\.db)/.exec(run.stdout);
      expect(logCopy, run.stdout).not.toBeNull();
      const log = new BetterSqlite3(logCopy![1]!, { readonly: true });
      try {
        expect(log.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(log.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(['delivered_runs', 'deliveries', 'delivery_counters', 'destination_pauses']);
      } finally {
        log.close();
      }
    } finally {
      copy.close();
    }
    const key = backupFile.replace(/\.db$/, '.secret.key');
    expect(readFileSync(key, 'utf8')).toBe(readFileSync(path.join(sluice.dataDir, 'secret.key'), 'utf8'));
    expect(statSync(key).mode & 0o077).toBe(0);

    const nowhere = await runCli(['backup', target], { SLUICE_DATA_DIR: path.join(work, 'no-such-data-dir') });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('No Sluice database');
  }, 180_000);

  it('replays a range to a destination through the same consent rules as live traffic, recorded like a replay asked through the API', async () => {
    const ads = await createWebhook(sluice, servers, 'Ads', {}, { consentCategories: ['advertising'] });
    const from = new Date(Date.now() - 1000).toISOString();
    const sent = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'cli-replay-1', event: 'Ad Viewed', messageId: 'cli-replay-granted', context: { consent: { categoryPreferences: { Advertising: true } } } },
        { type: 'track', userId: 'cli-replay-2', event: 'Ad Viewed', messageId: 'cli-replay-denied' },
      ],
    });
    expect(sent.status).toBe(200);
    const granted = () => ads.server.events().filter((e) => e.messageId === 'cli-replay-granted').length;
    await eventually(async () => (granted() === 1 && (await storedFor('cli-replay-2')).length === 1 ? true : undefined));

    // Without --to: up to now.
    const run = await runCli(['replay', '--destination', ads.id, '--from', from, '--event', 'Ad Viewed'], { SLUICE_DATA_DIR: sluice.dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Replay rpl_\S+: 1 event queued to Ads \(dst_\S+\); 1 withheld by consent/);
    // The running Sluice delivers the replayed event again; the one without consent never leaves.
    await eventually(async () => (granted() === 2 ? true : undefined));
    expect(ads.server.events().some((e) => e.messageId === 'cli-replay-denied')).toBe(false);
    const listed = await ownerApi(sluice)('GET', `/destinations/${ads.id}/replays`);
    expect(listed.body.replays).toEqual([expect.objectContaining({ status: 'completed', requestedBy: 'cli', total: 2, read: 2, queued: 1, dropped: 1 })]);

    const unknown = await runCli(['replay', '--destination', 'dst_nope', '--from', from, '--to', new Date().toISOString()], { SLUICE_DATA_DIR: sluice.dataDir });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No destination dst_nope');
    // A type or source that matches nothing is refused, not run as an empty replay.
    const to = new Date().toISOString();
    const typo = await runCli(['replay', '--destination', ads.id, '--from', from, '--to', to, '--type', 'Track'], { SLUICE_DATA_DIR: sluice.dataDir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--type "Track" is not an event type: use one of identify, track, page, screen, group, alias.');
    const source = await runCli(['replay', '--destination', ads.id, '--from', from, '--to', to, '--source', 'src_nope'], { SLUICE_DATA_DIR: sluice.dataDir });
    expect(source.code).toBe(2);
    expect(source.stderr).toContain('--source: no source src_nope in this workspace');
    expect((await ownerApi(sluice)('GET', `/destinations/${ads.id}/replays`)).body.replays).toHaveLength(1);
  }, 120_000);

  it('refuses a replay range that is not ISO-8601 or names a day that does not exist, instead of guessing a range', async () => {
    const hook = await createWebhook(sluice, servers, 'Dates');
    const replay = (from: string, to: string) => runCli(['replay', '--destination', hook.id, '--from', from, '--to', to], { SLUICE_DATA_DIR: sluice.dataDir });
    // Month first in the machine's time zone, a bare number read as a year, 30 February rolled over into March: each was a replay of another range.
    const [usDate, bareNumber, noSuchDay] = await Promise.all([replay('12/01/2026', '2026-12-04T00:00:00Z'), replay('2026-01-01T00:00:00Z', '2'), replay('2026-02-30T00:00:00Z', '2026-03-02T00:00:00Z')]);
    expect(usDate.code).toBe(2);
    expect(usDate.stderr).toContain('sluice: --from "12/01/2026" is not an ISO-8601 date');
    expect(bareNumber.code).toBe(2);
    expect(bareNumber.stderr).toContain('sluice: --to "2" is not an ISO-8601 date');
    expect(noSuchDay.code).toBe(2);
    expect(noSuchDay.stderr).toContain('sluice: --from "2026-02-30T00:00:00Z" names a day that does not exist (February 2026 has 28 days)');
    expect((await ownerApi(sluice)('GET', `/destinations/${hook.id}/replays`)).body.replays).toEqual([]);
  }, 120_000);

  it('stops a replay on Ctrl-C: cancelled where it got to, said in a sentence, exit status 130', async () => {
    // A destination that asks to be left alone for an hour (503 with Retry-After pauses it): the replayed jobs wait in
    // its queue instead of loading a test server. (A disabled one is refused: a replay to it would only wait.)
    const paused = await createWebhook(sluice, servers, 'Paused');
    paused.server.respond = () => ({ status: 503, headers: { 'retry-after': '3600' } });
    const workspaceId = sluice.bootstrap.workspaceId;
    const [source] = await sluice.store.sources.list(workspaceId);
    const at = new Date(Date.now() - 60_000).toISOString();
    const total = 150_000; // long enough to interrupt (a replay queues some 20-30k events a second)
    for (let start = 0; start < total; start += 10_000) {
      await sluice.store.events.insertMany(
        Array.from({ length: 10_000 }, (_, i) => ({ workspaceId, sourceId: source!.id, event: { type: 'track', event: 'Interrupted', userId: `int-${i % 50}`, messageId: `int-${start + i}`, properties: {}, context: {}, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, sentAt: at } as never })),
      );
    }
    const replaysOf = async () => (await ownerApi(sluice)('GET', `/destinations/${paused.id}/replays`)).body.replays as { status: string; read: number; total: number; requestedBy: string }[];
    const run = await runCli(['replay', '--destination', paused.id, '--from', new Date(Date.now() - 120_000).toISOString(), '--to', new Date().toISOString(), '--event', 'Interrupted'], { SLUICE_DATA_DIR: sluice.dataDir }, undefined, {
      // Ctrl-C once the replay has queued its first pages.
      whileRunning: (child) => void eventually(async () => ((await replaysOf())[0]?.read ?? 0) > 0 ? true : undefined, 60_000, 20).then(() => child.kill('SIGINT')),
    });
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(new RegExp(`Replay rpl_\\S+ was cancelled \\(interrupted\\) after \\d+ of ${total} events: \\d+ events queued to Paused`));
    const [replay] = await replaysOf();
    expect(replay).toMatchObject({ status: 'cancelled', requestedBy: 'cli', total });
    expect(replay!.read).toBeLessThan(total);
    await ownerApi(sluice)('DELETE', `/destinations/${paused.id}`); // and the jobs it queued
  }, 180_000);

  it('prints a disclosure report from the data directory, in the format asked, and refuses an unknown kind', async () => {
    const put = await fetch(`${sluice.url}/api/v1/disclosures/controller`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ controllerName: 'Cli Shop GmbH', controllerContact: 'privacy@cli.test', country: 'DE', securityMeasures: [] }),
    });
    expect(put.status).toBe(200);
    const env = { SLUICE_DATA_DIR: sluice.dataDir, SLUICE_ADMIN_TOKEN: sluice.token };
    const ropa = await runCli(['report', 'ropa', '--format', 'md'], env);
    expect(ropa.code, ropa.stderr).toBe(0);
    expect(ropa.stdout).toContain('Record of processing activities');
    expect(ropa.stdout).toContain('Cli Shop GmbH');
    const json = await runCli(['report', 'data-map', '--format', 'json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveProperty('configVersion');
    const bad = await runCli(['report', 'gdpr'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Unknown report "gdpr": choose one of');
  }, 120_000);
});

async function post(urlPath: string, body: unknown): Promise<{ status: number }> {
  const response = await fetch(`${sluice.url}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { status: response.status };
}
