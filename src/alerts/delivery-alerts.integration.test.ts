import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoleName } from '../core/api-token.js';
import type { DeliveryRecord, DeliveryStatus } from '../core/destination.js';
import { DevelopmentOutbox } from '../mail/development-outbox.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { DeliveryAlerts } from './delivery-alerts.js';

const WS = 'ws_alerts';
const MINUTE = 60_000;
let dir: string;
let store: SqlStore;
let outbox: DevelopmentOutbox;
let alerts: DeliveryAlerts;
let hookId: string;
let t0: number;

const newAlerts = () =>
  new DeliveryAlerts({ store, mailer: outbox, publicUrl: 'https://sluice.example.com/', logger: pino({ level: 'silent' }), intervalMs: 60_000, retryWindowMs: 4 * 3600_000 });

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-alerts-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  await store.workspaces.create({ id: WS, name: 'Shop' });
  const members: Array<[RoleName, 'active' | 'invited' | 'suspended']> = [
    ['owner', 'active'],
    ['admin', 'active'],
    ['engineer', 'active'],
    ['privacy', 'active'],
    ['viewer', 'active'],
    ['admin', 'suspended'],
    ['engineer', 'invited'],
  ];
  for (const [role, status] of members) await store.members.create({ workspaceId: WS, email: `${role}-${status}@shop.test`, name: role, role, status });
  const hook = await store.destinations.create({ workspaceId: WS, name: 'Orders hook', type: 'webhook', publicConfig: { url: 'https://hooks.shop.test/orders' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
  hookId = hook.id;
  outbox = new DevelopmentOutbox('Sluice <sluice@localhost>', pino({ level: 'silent' }));
  alerts = newAlerts();
  t0 = Math.floor(Date.parse('2026-03-02T09:00:00.000Z') / MINUTE) * MINUTE;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `count` outcomes at the destination at `at` (each its own event), as the router records them. */
async function outcomes(status: DeliveryStatus, count: number, at: number, extra: Partial<DeliveryRecord> = {}, destinationId = hookId, events = `${status}-${at}`): Promise<void> {
  const records = Array.from({ length: count }, (_, i): DeliveryRecord => ({
    workspaceId: WS, destinationId, messageId: `m-${events}-${i}`, sourceId: 'src_web', status, attempts: 1, reason: null, lastError: null, updatedAt: at, ...extra,
  }));
  await store.deliveries.record(records);
}

const subjects = () => outbox.list().map((m) => `${m.to}: ${m.subject}`).sort();

describe('delivery alerts', () => {
  it("opens an alert when most attempts fail, emails the workspace's active owners, admins and engineers once, and tells them again when it delivers", async () => {
    await outcomes('delivered', 3, t0);
    await outcomes('retrying', 6, t0 + MINUTE, { lastError: 'HTTP 503: upstream connect error', nextAttemptAt: t0 + 2 * MINUTE, firstAttemptAt: t0 }, hookId, 'stuck');

    // Two jobs processes check at the same moment: one alert, one email per person.
    const both = await Promise.all([alerts.check(t0 + 2 * MINUTE), newAlerts().check(t0 + 2 * MINUTE)]);
    const first = { opened: both.flatMap((c) => c.opened) };
    expect(first.opened).toHaveLength(1);
    expect(first.opened[0]).toMatchObject({ destinationId: hookId, failures: 6, attempts: 9, topReason: '', lastError: 'HTTP 503: upstream connect error' });
    expect(subjects()).toEqual([
      'admin-active@shop.test: Destination "Orders hook" is failing',
      'engineer-active@shop.test: Destination "Orders hook" is failing',
      'owner-active@shop.test: Destination "Orders hook" is failing',
    ]);
    const failing = outbox.list()[0]!;
    expect(failing.text).toContain('6 of 9 delivery attempts in the last 15 minutes failed');
    expect(failing.text).toContain('Latest error: HTTP 503: upstream connect error');
    expect(failing.text).toContain('for up to 4 hours');
    expect(failing.text).toContain(`https://sluice.example.com/destinations/${hookId}`);
    expect(failing.text).toContain('turn them off on your account page: https://sluice.example.com/account');
    expect(failing.workspaceId).toBe(WS);

    // Still failing: no second alert, no second email.
    await outcomes('retrying', 6, t0 + 3 * MINUTE, { lastError: 'HTTP 503', attempts: 2 }, hookId, 'stuck');
    const [again, otherProcess] = await Promise.all([alerts.check(t0 + 3 * MINUTE), newAlerts().check(t0 + 3 * MINUTE)]);
    expect([...again.opened, ...otherProcess.opened]).toEqual([]);
    expect(outbox.list()).toHaveLength(3);

    // Some deliveries gave up meanwhile; then the endpoint is back.
    await outcomes('failed', 2, t0 + 4 * MINUTE, { reason: 'retries_exhausted', lastError: 'HTTP 503' });
    // Four of the six waiting go through first: the share of failures over 5 minutes is low enough, two still wait.
    await outcomes('delivered', 34, t0 + 10 * MINUTE);
    await outcomes('delivered', 4, t0 + 10 * MINUTE, {}, hookId, 'stuck');
    const back = await Promise.all([alerts.check(t0 + 10 * MINUTE), newAlerts().check(t0 + 10 * MINUTE)]);
    expect(back.flatMap((c) => c.resolved)).toHaveLength(1);
    expect(back.flatMap((c) => c.resolved)[0]).toMatchObject({ destinationId: hookId, resolution: 'recovered', resolvedAt: t0 + 10 * MINUTE });
    const recovered = outbox.list().filter((m) => m.subject === 'Destination "Orders hook" is delivering again');
    expect(recovered.map((m) => m.to).sort()).toEqual(['admin-active@shop.test', 'engineer-active@shop.test', 'owner-active@shop.test']);
    expect(recovered[0]!.text).toContain('38 deliveries went through in the last 5 minutes, and 2 are waiting for their next retry');
    expect(recovered[0]!.text).toContain('(8 minutes)');
    expect(recovered[0]!.text).toContain('2 deliveries gave up meanwhile and are marked failed');

    const history = await store.destinationAlerts.list(WS, { limit: 10 });
    expect(history.map((a) => a.resolution)).toEqual(['recovered']);
  });

  it('emails nobody who turned delivery-alert emails off for themselves; the alert still opens', async () => {
    const engineer = (await store.members.list(WS)).find((m) => m.email === 'engineer-active@shop.test')!;
    await store.members.update(WS, engineer.id, { deliveryAlertEmailsOptOut: true });
    await outcomes('retrying', 6, t0 + MINUTE, { reason: 'http_503', lastError: 'HTTP 503', nextAttemptAt: t0 + 2 * MINUTE, firstAttemptAt: t0 });
    expect((await alerts.check(t0 + 2 * MINUTE)).opened).toMatchObject([{ topReason: 'http_503' }]);
    expect(subjects()).toEqual(['admin-active@shop.test: Destination "Orders hook" is failing', 'owner-active@shop.test: Destination "Orders hook" is failing']);
    // Retried, not given up: the reason is named, and nobody is told the events were refused for good.
    expect(outbox.list()[0]!.text).toContain('Commonest reason: HTTP 503.');
    expect(outbox.list()[0]!.text).not.toContain('refused for good');
  });

  it('does not alert below the threshold, for a few failures, or for a destination already delivering again', async () => {
    await outcomes('delivered', 10, t0);
    await outcomes('retrying', 9, t0); // 47 %
    expect((await alerts.check(t0 + MINUTE)).opened).toEqual([]);
    await store.workspaces.updateSettings(WS, { deliveryAlerts: { failurePercent: 40 } });
    expect((await alerts.check(t0 + MINUTE)).opened).toHaveLength(1);

    const quiet = await store.destinations.create({ workspaceId: WS, name: 'Quiet', type: 'webhook', publicConfig: { url: 'https://q.shop.test/' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
    await outcomes('failed', 4, t0, { reason: 'http_400' }, quiet.id); // four bad events: the delivery log's business
    const healed = await store.destinations.create({ workspaceId: WS, name: 'Healed', type: 'webhook', publicConfig: { url: 'https://h.shop.test/' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
    await outcomes('retrying', 20, t0, {}, healed.id); // failed 12 minutes ago...
    await outcomes('delivered', 30, t0 + 10 * MINUTE, {}, healed.id); // ...and delivers since
    const later = await alerts.check(t0 + 12 * MINUTE);
    expect(later.opened).toEqual([]);
  });

  it('sees a quiet destination delivering again once nothing waits for a retry and nothing gave up for a minute', async () => {
    await outcomes('retrying', 6, t0, { lastError: 'connect ECONNREFUSED 10.0.0.7:443' }, hookId, 'few');
    expect((await alerts.check(t0 + MINUTE)).opened).toHaveLength(1);
    // Three of the six go through: half of the attempts in 5 minutes failed, and three still wait.
    await outcomes('delivered', 3, t0 + 2 * MINUTE, {}, hookId, 'few');
    expect((await alerts.check(t0 + 2 * MINUTE)).resolved).toEqual([]);
    await outcomes('delivered', 6, t0 + 3 * MINUTE, {}, hookId, 'few');
    expect((await alerts.check(t0 + 3 * MINUTE)).resolved).toMatchObject([{ destinationId: hookId, resolution: 'recovered' }]);
    expect(outbox.list().find((m) => m.subject.endsWith('is delivering again'))!.text).toContain('No delivery gave up meanwhile');
  });

  it('names the reason when most failures gave up for good, and closes alerts without an email when the destination is disabled or deleted, or alerts are turned off', async () => {
    await outcomes('failed', 8, t0, { reason: 'http_401', lastError: 'HTTP 401: invalid api key' });
    const opened = await alerts.check(t0 + MINUTE);
    expect(opened.opened[0]).toMatchObject({ topReason: 'http_401', lastError: 'HTTP 401: invalid api key' });
    expect(outbox.list()[0]!.text).toContain('Commonest reason: HTTP 401.');
    expect(outbox.list()[0]!.text).toContain('Most failures were refused for good');
    const emails = outbox.list().length;

    await store.destinations.update(WS, hookId, { enabled: false });
    expect((await alerts.check(t0 + 2 * MINUTE)).resolved).toMatchObject([{ destinationId: hookId, resolution: 'destination_disabled' }]);
    await store.destinations.update(WS, hookId, { enabled: true });
    // Enabled again and still failing: a new episode.
    expect((await alerts.check(t0 + 3 * MINUTE)).opened).toHaveLength(1);
    await store.workspaces.updateSettings(WS, { deliveryAlerts: { enabled: false } });
    expect((await alerts.check(t0 + 4 * MINUTE)).resolved).toMatchObject([{ destinationId: hookId, resolution: 'alerts_off' }]);
    expect((await alerts.check(t0 + 5 * MINUTE)).opened).toEqual([]);
    await store.workspaces.updateSettings(WS, { deliveryAlerts: { enabled: true } });
    expect((await alerts.check(t0 + 6 * MINUTE)).opened).toHaveLength(1);
    await store.destinations.delete(WS, hookId, { by: 'test', at: t0 + 7 * MINUTE });
    expect((await alerts.check(t0 + 7 * MINUTE)).resolved).toMatchObject([{ destinationId: hookId, resolution: 'destination_deleted' }]);
    // Two more failing emails (the two new episodes), no email for any of the closings.
    expect(outbox.list().length).toBe(emails + 2 * 3);
    expect(outbox.list().every((m) => m.subject.endsWith('is failing'))).toBe(true);
  });
});
