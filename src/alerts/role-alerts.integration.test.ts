import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingServer } from '../../test/support/recording-server.js';
import { Keys } from '../core/crypto/keys.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import { DevelopmentOutbox } from '../mail/development-outbox.js';
import type { Role } from '../config/config.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { AlertWebhook, maskAlertWebhookUrl } from './alert-webhook.js';
import { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import { ROLE_MISSING_MS, RoleAlerts } from './role-alerts.js';

const MINUTE = 60_000;
let dir: string;
let store: SqlStore;
let outbox: DevelopmentOutbox;
let t0: number;

const newAlerts = (webhook?: AlertWebhookOutbox) =>
  new RoleAlerts({ store, mailer: outbox, publicUrl: 'https://sluice.example.com', logger: pino({ level: 'silent' }), intervalMs: MINUTE, ...(webhook && { webhook }) });
/** A process noting itself at `at` with `roles`. */
const beat = (id: string, roles: Role[], at: number) => store.processes.beat({ id, roles, host: 'box', pid: 1, version: '0.1.0', startedAt: t0 - 60 * MINUTE, seenAt: at });
const subjects = () => outbox.list().map((m) => `${m.to}: ${m.subject}`).sort();

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-role-alerts-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  for (const [id, name] of [['ws_shop', 'Shop'], ['ws_quiet', 'Quiet']] as const) {
    await store.workspaces.create({ id, name });
    await store.members.create({ workspaceId: id, email: `owner@${id}.test`, name: 'Owner', role: 'owner', status: 'active' });
  }
  await store.workspaces.updateSettings('ws_quiet', { deliveryAlerts: { enabled: false } });
  outbox = new DevelopmentOutbox('Sluice <sluice@localhost>', pino({ level: 'silent' }));
  t0 = Date.parse('2026-03-02T09:00:00.000Z');
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('role alerts', () => {
  it('tells every workspace with alerts on, once, when the jobs process has been gone five minutes, and again when one runs', async () => {
    const alerts = newAlerts();
    const other = newAlerts(); // a second api process
    await beat('proc_web', ['ingest', 'api'], t0);
    await beat('proc_work', ['processor', 'router', 'jobs'], t0);
    expect(await alerts.check(t0)).toEqual({ opened: [], resolved: [] });
    // The worker stops beating at t0; the web process keeps on.
    for (const minute of [1, 2, 3, 4, 5]) await beat('proc_web', ['ingest', 'api'], t0 + minute * MINUTE);
    expect((await alerts.check(t0 + 4 * MINUTE)).opened).toEqual([]);
    const both = await Promise.all([alerts.check(t0 + 5 * MINUTE), other.check(t0 + 5 * MINUTE)]);
    const opened = both.flatMap((c) => c.opened);
    expect(opened.map((a) => a.role).sort()).toEqual(['jobs', 'processor', 'router']);
    expect(opened.every((a) => a.missingSince === t0 && a.openedAt === t0 + 5 * MINUTE)).toBe(true);
    expect(subjects()).toEqual([
      'owner@ws_shop.test: No Sluice process runs the jobs role',
      'owner@ws_shop.test: No Sluice process runs the processor role',
      'owner@ws_shop.test: No Sluice process runs the router role',
    ]);
    const jobs = outbox.list().find((m) => m.subject.includes('jobs'))!;
    expect(jobs.text).toContain('since 2026-03-02 09:00 UTC (5 minutes)');
    expect(jobs.text).toContain('privacy requests are not carried out');
    expect(jobs.text).toContain('sluice start --role jobs');
    // Still missing: nothing new.
    expect(await alerts.check(t0 + 6 * MINUTE)).toEqual({ opened: [], resolved: [] });

    // A jobs process starts: its episode ends, told once; the other two stay open.
    await beat('proc_jobs', ['jobs'], t0 + 7 * MINUTE);
    const back = await Promise.all([alerts.check(t0 + 7 * MINUTE), other.check(t0 + 7 * MINUTE)]);
    expect(back.flatMap((c) => c.resolved).map((a) => a.role)).toEqual(['jobs']);
    expect(outbox.list().filter((m) => m.subject === 'The jobs role runs again').map((m) => m.to)).toEqual(['owner@ws_shop.test']);
    expect((await store.roleAlerts.openNow()).map((a) => a.role).sort()).toEqual(['processor', 'router']);
    // The list keeps how it ended, newest first.
    const listed = await store.roleAlerts.list(10);
    expect(listed.find((a) => a.role === 'jobs')).toMatchObject({ resolvedAt: t0 + 7 * MINUTE, resolution: 'running' });
    expect(listed.filter((a) => a.resolvedAt === null).map((a) => a.resolution)).toEqual([null, null]);
  });

  it('watches the api role from a jobs process once the api has been seen, and never for an installation that runs none', async () => {
    const fromJobs = newAlerts(); // the checker of a jobs-only process
    await beat('proc_work', ['ingest', 'processor', 'router', 'jobs'], t0);
    await fromJobs.check(t0);
    // No api process seen in the last day: an installation run without the admin API, not an episode.
    for (const minute of [5, 10, 60]) {
      await beat('proc_work', ['ingest', 'processor', 'router', 'jobs'], t0 + minute * MINUTE);
      expect(await fromJobs.check(t0 + minute * MINUTE)).toEqual({ opened: [], resolved: [] });
    }
    // An api process runs a while, then goes: five minutes later the jobs process tells it.
    const start = t0 + 61 * MINUTE;
    await beat('proc_web', ['api'], start);
    await fromJobs.check(start);
    for (const minute of [1, 4, 5]) await beat('proc_work', ['ingest', 'processor', 'router', 'jobs'], start + minute * MINUTE);
    expect((await fromJobs.check(start + 4 * MINUTE)).opened).toEqual([]);
    const { opened } = await fromJobs.check(start + 5 * MINUTE);
    expect(opened.map((a) => [a.role, a.missingSince])).toEqual([['api', start]]);
    expect(subjects()).toEqual(['owner@ws_shop.test: No Sluice process runs the api role']);
    const email = outbox.list()[0]!;
    expect(email.text).toContain('the admin API and the console');
    expect(email.text).not.toContain("console's overview");
    // It comes back.
    await beat('proc_web', ['api'], start + 9 * MINUTE);
    expect((await fromJobs.check(start + 9 * MINUTE)).resolved.map((a) => [a.role, a.resolution])).toEqual([['api', 'running']]);
  });

  it('counts a role never seen from its first look, and ignores a role that runs', async () => {
    const alerts = newAlerts();
    await beat('proc_all_but_router', ['ingest', 'processor', 'jobs', 'api'], t0);
    await alerts.check(t0);
    await beat('proc_all_but_router', ['ingest', 'processor', 'jobs', 'api'], t0 + ROLE_MISSING_MS - MINUTE);
    expect((await alerts.check(t0 + ROLE_MISSING_MS - MINUTE)).opened).toEqual([]);
    await beat('proc_all_but_router', ['ingest', 'processor', 'jobs', 'api'], t0 + ROLE_MISSING_MS);
    expect((await alerts.check(t0 + ROLE_MISSING_MS)).opened.map((a) => a.role)).toEqual(['router']);
  });

  it('does not page at once when a role\'s processes were stopped cleanly for a restart: it counts from when it last ran', async () => {
    // A clean stop (SIGTERM) removes the process's heartbeat: with no row left, the role's missing time was counted
    // from the checker's first look, possibly hours back, so a check landing in a rolling restart's gap of a few
    // seconds opened an episode (emails, a critical PagerDuty incident) at once, and it ended a moment later.
    const alerts = newAlerts();
    const start = t0 - 60 * MINUTE;
    await beat('proc_web', ['ingest', 'api'], start);
    await beat('proc_work', ['processor', 'router', 'jobs'], start);
    await alerts.check(start);
    for (let minute = 1; minute <= 60; minute += 1) {
      await beat('proc_web', ['ingest', 'api'], start + minute * MINUTE);
      await beat('proc_work', ['processor', 'router', 'jobs'], start + minute * MINUTE - 30_000);
      await alerts.check(start + minute * MINUTE);
    }
    // The worker is stopped for a deploy (its row removed); a check lands before its successor has started.
    await store.processes.remove('proc_work');
    expect(await alerts.check(t0 + 10_000)).toEqual({ opened: [], resolved: [] });
    expect(subjects()).toEqual([]);
    // Not back after five minutes from when it was last known to run: an episode, missing since then.
    await beat('proc_web', ['ingest', 'api'], t0 + ROLE_MISSING_MS);
    const opened = (await alerts.check(t0 + ROLE_MISSING_MS)).opened;
    expect(opened.map((a) => a.role).sort()).toEqual(['jobs', 'processor', 'router']);
    expect(opened.every((a) => a.missingSince === t0)).toBe(true);
  });

  it('gives a whole deployment starting at once five minutes: a checker just started does not page for a role still starting', async () => {
    // Every process restarted together: the jobs process is up before a slow processor has noted itself, and the
    // only processor row is that of one killed 45 minutes earlier (rows of dead processes are kept a day). Its first
    // check counted the role missing for 45 minutes and paged at once, resolved seconds later.
    await beat('proc_killed', ['processor'], t0 - 45 * MINUTE);
    await beat('proc_rest', ['ingest', 'router', 'jobs', 'api'], t0);
    const alerts = newAlerts();
    expect(await alerts.check(t0)).toEqual({ opened: [], resolved: [] });
    // Still none after five minutes of this checker's watch: now it is an episode, missing since that last sight.
    await beat('proc_rest', ['ingest', 'router', 'jobs', 'api'], t0 + ROLE_MISSING_MS);
    const opened = (await alerts.check(t0 + ROLE_MISSING_MS)).opened;
    expect(opened.map((a) => [a.role, a.missingSince])).toEqual([['processor', t0 - 45 * MINUTE]]);
  });

  it('triggers and resolves a PagerDuty incident (critical), and ends the episode quietly once no workspace wants alerts', async () => {
    const pagerDuty = await RecordingServer.start();
    const http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });
    try {
      pagerDuty.respond = () => ({ status: 202 });
      const keys = new Keys('role-alerts-test-secret-key-0123456789');
      const url = new URL(`${pagerDuty.url}/v2/enqueue`);
      await store.workspaces.updateSettings('ws_shop', { deliveryAlerts: { enabled: true, webhook: { sealedUrl: keys.encrypt(url.toString()), maskedUrl: maskAlertWebhookUrl(url), format: 'pagerduty', sealedRoutingKey: keys.encrypt('routing-key-of-the-shop-0123') } } });
      const alerts = newAlerts(new AlertWebhookOutbox({ webhook: new AlertWebhook(http, keys), posts: store.alertWebhookPosts, keys }));
      await beat('proc_web', ['ingest', 'processor', 'router', 'api'], t0);
      await alerts.check(t0);
      await beat('proc_web', ['ingest', 'processor', 'router', 'api'], t0 + 5 * MINUTE);
      const [opened] = (await alerts.check(t0 + 5 * MINUTE)).opened;
      expect(opened!.role).toBe('jobs');
      expect(pagerDuty.requests.map((r) => r.body)).toEqual([
        expect.objectContaining({ event_action: 'trigger', dedup_key: `sluice:${opened!.id}`, payload: expect.objectContaining({ severity: 'critical', component: 'jobs role', class: 'role_missing' }) }),
      ]);
      const emails = outbox.list().length;
      await store.workspaces.changeSettings('ws_shop', (settings) => ({ ...settings, deliveryAlerts: { ...(settings.deliveryAlerts as object), enabled: false } }));
      expect((await alerts.check(t0 + 6 * MINUTE)).resolved.map((a) => [a.role, a.resolution])).toEqual([['jobs', 'alerts_off']]);
      expect(pagerDuty.requests.map((r) => r.body)[1]).toEqual({ routing_key: 'routing-key-of-the-shop-0123', event_action: 'resolve', dedup_key: `sluice:${opened!.id}` });
      expect(outbox.list().length).toBe(emails);
      // Nobody wants alerts: still missing, but no episode.
      expect(await alerts.check(t0 + 30 * MINUTE)).toEqual({ opened: [], resolved: [] });
    } finally {
      await http.close();
      await pagerDuty.close();
    }
  });
});
