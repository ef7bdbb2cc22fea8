import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RoleName } from '../core/api-token.js';
import type { DeliveryRecord, DeliveryStatus } from '../core/destination.js';
import { DevelopmentOutbox } from '../mail/development-outbox.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { destinationThresholdsOf, withAlertMute, withDestinationThresholds } from './delivery-alert-settings.js';
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

  it("judges a destination by its own thresholds where it has them, and the others by the workspace's", async () => {
    const strict = await store.destinations.create({ workspaceId: WS, name: 'Billing', type: 'webhook', publicConfig: { url: 'https://b.shop.test/' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
    await store.workspaces.changeSettings(WS, (settings) => withDestinationThresholds(settings, strict.id, { failurePercent: 20 }));
    // 6 of 24 attempts failed (25 %) at both: over Billing's 20 %, under the workspace's 50 %.
    for (const id of [hookId, strict.id]) {
      await outcomes('delivered', 18, t0, {}, id, `ok-${id}`);
      await outcomes('retrying', 6, t0 + MINUTE, { reason: 'http_503', lastError: 'HTTP 503', firstAttemptAt: t0 }, id, `bad-${id}`);
    }
    expect((await alerts.check(t0 + 2 * MINUTE)).opened.map((a) => a.destinationId)).toEqual([strict.id]);
    // Back to the workspace's threshold: Billing is judged like the others (its open episode resolves by the usual rule).
    await store.workspaces.changeSettings(WS, (settings) => withDestinationThresholds(settings, strict.id, { failurePercent: null }));
    expect(destinationThresholdsOf(await store.workspaces.get(WS), strict.id)).toEqual({});
    expect((await store.workspaces.get(WS))?.settings.deliveryAlerts).toMatchObject({ destinations: {} });
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

  it('does not open late for an outage whose retries all went through before a check saw it', async () => {
    // A warehouse down for a few seconds: three events fail three attempts each, then go through the same minute.
    for (let attempt = 1; attempt <= 3; attempt++) await outcomes('retrying', 3, t0, { reason: 'network_error', attempts: attempt }, hookId, 'blip');
    await outcomes('delivered', 3, t0, { attempts: 4 }, hookId, 'blip');
    await outcomes('delivered', 3, t0 + MINUTE, {}, hookId, 'after'); // 9 of 15 attempts failed in 15 minutes
    expect((await alerts.check(t0 + 2 * MINUTE)).opened).toEqual([]);
    // Minutes later the deliveries have left the 5-minute window while the failures are still in the 15-minute one.
    for (const minute of [7, 10, 14]) expect((await alerts.check(t0 + minute * MINUTE)).opened).toEqual([]);
    expect(outbox.list()).toEqual([]);
    // The same failures still waiting for their retry are news.
    await outcomes('retrying', 9, t0 + 15 * MINUTE, { reason: 'network_error' }, hookId, 'down');
    expect((await alerts.check(t0 + 16 * MINUTE)).opened).toHaveLength(1);
  });

  it('does not open again right after an episode ended while its failures are still in the 15-minute window', async () => {
    await outcomes('retrying', 8, t0, { reason: 'http_503', lastError: 'HTTP 503', firstAttemptAt: t0 }, hookId, 'flap');
    expect((await alerts.check(t0 + MINUTE)).opened).toHaveLength(1);
    // The eight go through on their retry: half of the attempts in 15 (and 5) minutes failed, but nothing waits any more.
    await outcomes('delivered', 8, t0 + 2 * MINUTE, { attempts: 2 }, hookId, 'flap');
    expect((await alerts.check(t0 + 3 * MINUTE)).resolved).toMatchObject([{ resolution: 'recovered' }]);
    for (const minute of [4, 5, 10]) expect((await alerts.check(t0 + minute * MINUTE)).opened).toEqual([]);
    expect(outbox.list().map((m) => m.subject.replace(/.*" /, '')).sort()).toEqual(['is delivering again', 'is delivering again', 'is delivering again', 'is failing', 'is failing', 'is failing']);
    // A new failure is news again.
    await outcomes('retrying', 8, t0 + 11 * MINUTE, { reason: 'http_503', lastError: 'HTTP 503', firstAttemptAt: t0 + 11 * MINUTE }, hookId, 'again');
    expect((await alerts.check(t0 + 12 * MINUTE)).opened).toHaveLength(1);
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

  describe('falling behind', () => {
    // The destination has been enabled since an hour before t0 (the store takes the time of the change from the clock).
    beforeEach(async () => {
      await store.destinations.update(WS, hookId, { enabled: false });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(t0 - 3600_000);
      await store.destinations.update(WS, hookId, { enabled: true });
      vi.useRealTimers();
    });

    /** `count` deliveries queued at `at` and not yet tried (the fan-out's rows), each its own event. */
    const queued = (count: number, at: number, events = `q-${at}`) => outcomes('queued', count, at, { attempts: 0 }, hookId, events);

    it('opens when the oldest delivery not yet tried waited the limit, says how many wait and why, and tells them once it caught up', async () => {
      await queued(40, t0);
      await queued(10, t0 + 20 * MINUTE);
      await store.deliveries.pause(WS, hookId, t0 + 45 * MINUTE, 'HTTP 429');
      // 29 minutes: under the default limit of 30.
      expect((await alerts.check(t0 + 29 * MINUTE)).opened).toEqual([]);
      const both = await Promise.all([alerts.check(t0 + 31 * MINUTE), newAlerts().check(t0 + 31 * MINUTE)]);
      const opened = both.flatMap((c) => c.opened);
      expect(opened).toEqual([expect.objectContaining({ destinationId: hookId, kind: 'falling_behind', waiting: 50, oldestWaitingAt: t0, failures: 0, attempts: 0, lastError: null })]);
      expect(subjects()).toEqual([
        'admin-active@shop.test: Destination "Orders hook" is falling behind',
        'engineer-active@shop.test: Destination "Orders hook" is falling behind',
        'owner-active@shop.test: Destination "Orders hook" is falling behind',
      ]);
      const email = outbox.list()[0]!.text;
      expect(email).toContain('its oldest delivery not yet sent has waited 31 minutes (the limit is 30 minutes), and 50 deliveries wait to be sent');
      expect(email).toContain('It asked Sluice to wait (HTTP 429) until 2026-03-02 09:45 UTC');
      expect(email).toContain('Nothing accepted is lost');
      expect(email).toContain(`https://sluice.example.com/destinations/${hookId}`);

      // Still behind: nothing new. The first 40 go out; the 10 left were queued 16 minutes before: over half the limit.
      expect((await alerts.check(t0 + 33 * MINUTE)).opened).toEqual([]);
      await outcomes('delivered', 40, t0 + 36 * MINUTE, {}, hookId, `q-${t0}`);
      expect((await alerts.check(t0 + 36 * MINUTE)).resolved).toEqual([]);
      // Under half the limit (14 minutes): caught up, once, whatever the number of processes checking.
      const back = await Promise.all([alerts.check(t0 + 34 * MINUTE), newAlerts().check(t0 + 34 * MINUTE)]);
      expect(back.flatMap((c) => c.resolved)).toEqual([expect.objectContaining({ kind: 'falling_behind', resolution: 'caught_up', resolvedAt: t0 + 34 * MINUTE })]);
      const caughtUp = outbox.list().filter((m) => m.subject === 'Destination "Orders hook" has caught up');
      expect(caughtUp).toHaveLength(3);
      expect(caughtUp[0]!.text).toContain('10 deliveries wait, the oldest for 14 minutes');
      expect(caughtUp[0]!.text).toContain('It had been falling behind since 2026-03-02 09:31 UTC (3 minutes)');
    });

    it('counts from when the destination was enabled again, not from the oldest event that waited while it was disabled', async () => {
      const now = Date.now();
      await store.destinations.update(WS, hookId, { enabled: false });
      await queued(40, now - 150 * MINUTE);
      await store.destinations.update(WS, hookId, { enabled: true });
      expect((await alerts.check(now + 5 * MINUTE)).opened).toEqual([]);
      const opened = await alerts.check(now + 31 * MINUTE);
      expect(opened.opened).toEqual([expect.objectContaining({ kind: 'falling_behind', waiting: 40, oldestWaitingAt: now - 150 * MINUTE })]);
      const email = outbox.list()[0]!.text;
      expect(email).toContain('its oldest delivery not yet sent has waited 3 hours');
      expect(email).toMatch(/It was enabled again at .+ UTC: what waited while it was disabled goes out first, and it has been behind for 31 minutes since\./);
    });

    it("follows a destination's own limit over the workspace's", async () => {
      await store.workspaces.changeSettings(WS, (settings) => withDestinationThresholds(settings, hookId, { behindMinutes: 5 }));
      await queued(3, t0);
      expect((await alerts.check(t0 + 6 * MINUTE)).opened).toMatchObject([{ kind: 'falling_behind', waiting: 3 }]);
      expect(outbox.list()[0]!.text).toContain('(the limit is 5 minutes)');
    });

    it('follows the workspace\'s limit, mentions a replay that queued the backlog, and is its own episode beside a failing one', async () => {
      await store.workspaces.updateSettings(WS, { deliveryAlerts: { behindMinutes: 5 } });
      await queued(3, t0);
      await store.replays.create({ workspaceId: WS, destinationId: hookId, kind: 'range', range: { from: 0, to: t0 }, total: 3, requestedBy: 'test' }, t0);
      await outcomes('retrying', 6, t0 + MINUTE, { reason: 'http_503', lastError: 'HTTP 503', nextAttemptAt: t0 + 2 * MINUTE, firstAttemptAt: t0 }, hookId, 'stuck');
      const check = await alerts.check(t0 + 6 * MINUTE);
      expect(check.opened.map((a) => a.kind).sort()).toEqual(['failing', 'falling_behind']);
      const behind = outbox.list().find((m) => m.subject.endsWith('is falling behind'))!.text;
      expect(behind).toContain('has waited 6 minutes (the limit is 5 minutes), and 3 deliveries wait');
      expect(behind).toContain('A replay to this destination has queued events since 2026-03-02 09:00 UTC');
      expect(behind).toContain('6 more deliveries wait for a retry after failing');
      expect(behind).not.toContain('asked Sluice to wait');
      expect((await store.destinationAlerts.openOf(WS)).map((a) => a.kind).sort()).toEqual(['failing', 'falling_behind']);

      // The three go out: the falling-behind episode ends; the six still fail, so the failing one stays open.
      await outcomes('retrying', 6, t0 + 6 * MINUTE, { reason: 'http_503', lastError: 'HTTP 503', attempts: 2 }, hookId, 'stuck');
      await outcomes('delivered', 3, t0 + 7 * MINUTE, {}, hookId, `q-${t0}`);
      expect((await alerts.check(t0 + 7 * MINUTE)).resolved).toMatchObject([{ kind: 'falling_behind', resolution: 'caught_up' }]);
      expect(outbox.list().find((m) => m.subject.endsWith('has caught up'))!.text).toContain('nothing waits to be sent now');
      expect((await store.destinationAlerts.openOf(WS)).map((a) => a.kind)).toEqual(['failing']);

      // Disabled: every open episode of the destination closes without an email.
      const emails = outbox.list().length;
      await queued(2, t0 + 7 * MINUTE);
      expect((await alerts.check(t0 + 13 * MINUTE)).opened).toMatchObject([{ kind: 'falling_behind' }]);
      await store.destinations.update(WS, hookId, { enabled: false });
      const closed = await alerts.check(t0 + 14 * MINUTE);
      expect(closed.resolved.map((a) => [a.kind, a.resolution]).sort()).toEqual([['failing', 'destination_disabled'], ['falling_behind', 'destination_disabled']]);
      expect(outbox.list().length).toBe(emails + 3);
    });
  });

  describe('muted destinations', () => {
    const muteUntil = (until: number) => store.workspaces.changeSettings(WS, (settings) => withAlertMute(settings, hookId, until, t0));

    it('opens and closes episodes without telling anybody while muted, and tells one still open when the mute ends, once', async () => {
      await muteUntil(t0 + 60 * MINUTE);
      await outcomes('retrying', 8, t0, { reason: 'http_503', lastError: 'HTTP 503', firstAttemptAt: t0 }, hookId, 'stuck');
      const opened = await alerts.check(t0 + MINUTE);
      expect(opened.opened).toMatchObject([{ kind: 'failing', notifiedAt: null }]);
      // Muted and resolved meanwhile: nobody hears of it, start or end.
      await outcomes('delivered', 8, t0 + 2 * MINUTE, { attempts: 2 }, hookId, 'stuck');
      expect((await alerts.check(t0 + 3 * MINUTE)).resolved).toMatchObject([{ resolution: 'recovered', notifiedAt: null }]);
      // Failing again, still muted: the episode opens silently and stays open past the mute's end.
      await outcomes('retrying', 8, t0 + 20 * MINUTE, { reason: 'http_500', lastError: 'HTTP 500: boom', firstAttemptAt: t0 + 20 * MINUTE }, hookId, 'again');
      expect((await alerts.check(t0 + 21 * MINUTE)).opened).toHaveLength(1);
      await outcomes('retrying', 8, t0 + 59 * MINUTE, { reason: 'http_500', lastError: 'HTTP 500: boom', attempts: 5 }, hookId, 'again');
      expect((await alerts.check(t0 + 59 * MINUTE)).opened).toEqual([]);
      expect(outbox.list()).toEqual([]);

      // The mute ended: two processes check; the open episode is told once, saying when it began.
      await Promise.all([alerts.check(t0 + 61 * MINUTE), newAlerts().check(t0 + 61 * MINUTE)]);
      expect(subjects()).toEqual([
        'admin-active@shop.test: Destination "Orders hook" is failing',
        'engineer-active@shop.test: Destination "Orders hook" is failing',
        'owner-active@shop.test: Destination "Orders hook" is failing',
      ]);
      expect(outbox.list()[0]!.text).toMatch(/^This began at 2026-03-02 09:21 UTC, while alerts for this destination were muted; the mute has ended and it is still so\./);
      expect((await store.destinationAlerts.openOf(WS))[0]).toMatchObject({ notifiedAt: t0 + 61 * MINUTE });
      await alerts.check(t0 + 62 * MINUTE);
      expect(outbox.list()).toHaveLength(3);
    });

    it('mutes one destination only: another one failing at the same time is told', async () => {
      const other = await store.destinations.create({ workspaceId: WS, name: 'Other', type: 'webhook', publicConfig: { url: 'https://o.shop.test/' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
      await muteUntil(t0 + 60 * MINUTE);
      await outcomes('failed', 8, t0, { reason: 'http_401' });
      await outcomes('failed', 8, t0, { reason: 'http_401' }, other.id);
      expect((await alerts.check(t0 + MINUTE)).opened).toHaveLength(2);
      expect(new Set(outbox.list().map((m) => m.subject))).toEqual(new Set(['Destination "Other" is failing']));
    });
  });
});
