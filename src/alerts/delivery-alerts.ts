import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StoredDestination } from '../core/destination.js';
import type { Workspace } from '../core/workspace.js';
import type { Mailer } from '../mail/mailer.js';
import { AlertLoop } from './alert-loop.js';
import type { AlertKind, AlertResolution, DeliveryCounter, DestinationAlert, Store } from '../store/store.js';
import { behindNotice, caughtUpNotice, failingNotice, recoveredNotice, withMuteEnded, type AlertNotice } from './alert-notices.js';
import { destinationEpisode } from './alert-webhook.js';
import type { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import { alertMutesOf, deliveryAlertSettingsFor, deliveryAlertSettingsOf, type DeliveryAlertSettings } from './delivery-alert-settings.js';
import { FAILING_WINDOW_MS, hasRecovered, isFailing, RECOVERY_WINDOW_MS, tallyAttempts, type AttemptTally } from './delivery-health.js';

const LAST_ERROR_CHARS = 300;
/** With nothing retrying, no delivery gave up for this long: delivering again (see `quietSince`). */
const QUIET_MS = 60_000;

export interface DeliveryAlertsOptions {
  readonly store: Store;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** How often destinations are checked (SLUICE_DELIVERY_ALERT_CHECK_SECONDS). */
  readonly intervalMs: number;
  /** How long a delivery is retried (for the email's wording). */
  readonly retryWindowMs: number;
  /** Posts to a workspace's alert webhook (Slack or JSON), where one is set; without it alerts are only emailed. */
  readonly webhook?: AlertWebhookOutbox;
}

const newAlertId = (): string => `alert_${randomUUID().replace(/-/g, '')}`;

/** One destination's turn in a check: what the judgements share. */
interface Judging {
  readonly workspace: Workspace;
  readonly destination: StoredDestination;
  readonly now: number;
  readonly done: AlertCheck;
  readonly close: (alert: Pick<DestinationAlert, 'destinationId' | 'kind'>, resolution: AlertResolution) => Promise<DestinationAlert | undefined>;
  /** The destination's alerts are muted now: episodes open and close, nobody is told. */
  readonly muted: boolean;
}

/** What one check did (for tests and the log). */
export interface AlertCheck {
  readonly opened: DestinationAlert[];
  readonly resolved: DestinationAlert[];
}

/**
 * Delivery alerts, in the jobs role: at start and every `intervalMs` (a WakeableLoop), each workspace's destinations are judged from the per-minute
 * delivery counters (delivery-health.ts). A destination that is failing gets an episode opened and its workspace's
 * owners, admins and engineers one email; when it delivers again the episode is resolved and they get one more.
 * Opening and resolving are claims in the store, so several jobs processes send each email once. An episode of a
 * destination disabled or deleted meanwhile, or of a workspace that turned alerts off, is closed without an email.
 */
export class DeliveryAlerts extends AlertLoop {
  constructor(private readonly options: DeliveryAlertsOptions) {
    super(options, 'destinations for delivery alerts', (before) => options.store.destinationAlerts.prune(before));
  }

  /** One check of every workspace. */
  async check(now = Date.now()): Promise<AlertCheck> {
    const opened: DestinationAlert[] = [];
    const resolved: DestinationAlert[] = [];
    for (const workspace of await this.options.store.workspaces.list()) {
      const done = await this.checkWorkspace(workspace, now);
      opened.push(...done.opened);
      resolved.push(...done.resolved);
    }
    await this.history.pruneIfDue(now);
    return { opened, resolved };
  }

  private async checkWorkspace(workspace: Workspace, now: number): Promise<AlertCheck> {
    const { store } = this.options;
    const settings = deliveryAlertSettingsOf(workspace);
    const open = await store.destinationAlerts.openOf(workspace.id);
    const done: { opened: DestinationAlert[]; resolved: DestinationAlert[] } = { opened: [], resolved: [] };
    const close = async (alert: Pick<DestinationAlert, 'destinationId' | 'kind'>, resolution: AlertResolution) => {
      const resolved = await store.destinationAlerts.resolve(workspace.id, alert.destinationId, alert.kind, now, resolution);
      if (resolved) done.resolved.push(resolved);
      return resolved;
    };
    if (!settings.enabled) {
      for (const alert of open) await this.endedQuietly(workspace, await close(alert, 'alerts_off'));
      return done;
    }
    const destinations = new Map((await store.destinations.list(workspace.id)).map((d) => [d.id, d]));
    for (const alert of open) {
      const destination = destinations.get(alert.destinationId);
      if (!destination) await this.endedQuietly(workspace, await close(alert, 'destination_deleted'));
      else if (!destination.enabled) await this.endedQuietly(workspace, await close(alert, 'destination_disabled'), destination);
    }
    const openOf = (kind: AlertKind) => new Map(open.filter((a) => a.kind === kind).map((a) => [a.destinationId, a]));
    const failingOpen = openOf('failing');
    const behindOpen = openOf('falling_behind');
    const counters = await store.deliveries.counters(workspace.id, now - FAILING_WINDOW_MS, now + 1);
    const mutes = alertMutesOf(workspace, now);
    for (const destination of destinations.values()) {
      if (!destination.enabled) continue;
      const judging: Judging = { workspace, destination, now, done, close, muted: mutes.has(destination.id) };
      await this.judgeFailing(judging, failingOpen.get(destination.id), counters);
      await this.judgeBehind(judging, behindOpen.get(destination.id));
    }
    return done;
  }

  /**
   * Opens a `failing` episode for a destination failing over the window, or resolves its open one once it delivers
   * again; tells an open one whose opening was not told (muted then) once its destination is no longer muted.
   */
  private async judgeFailing(judging: Judging, alert: DestinationAlert | undefined, counters: readonly DeliveryCounter[]): Promise<void> {
    const { workspace, destination, now, done, close } = judging;
    const { store } = this.options;
    const settings = deliveryAlertSettingsFor(workspace, destination.id);
    const failingNoticeOf = (episode: DestinationAlert, tally: AttemptTally) =>
      failingNotice({ workspaceName: workspace.name, destination, alert: episode, mostGaveUp: tally.gaveUp * 2 > tally.failures, retryWindowMs: this.options.retryWindowMs });
    if (alert === undefined) {
      let tally = tallyAttempts(counters, destination.id, now - FAILING_WINDOW_MS);
      if (!isFailing(tally, settings)) return;
      // Failing over the window since the last episode ended as delivering again (its failures were told already; one
      // closed because the destination was disabled or alerts were off is news again when it still fails), and not already
      // delivering again (else the next check would resolve it at once).
      const lastEnded = (await store.destinationAlerts.list(workspace.id, { destinationId: destination.id, limit: 10 })).find((a) => a.kind === 'failing' && a.resolution === 'recovered')?.resolvedAt ?? null;
      if (lastEnded !== null && lastEnded > now - FAILING_WINDOW_MS) {
        tally = tallyAttempts(counters, destination.id, lastEnded);
        if (!isFailing(tally, settings)) return;
      }
      if ((await this.deliveringAgain(workspace.id, destination.id, tallyAttempts(counters, destination.id, now - RECOVERY_WINDOW_MS), settings, now)) !== undefined) return;
      // Nor when every failure of the window was a retry that has gone through since (none gave up, none waits): an
      // outage that ended before a check saw it, whose deliveries then left the 5-minute window, is no news.
      if (tally.gaveUp === 0 && tally.delivered > 0 && (await store.deliveries.countWithStatus(workspace.id, destination.id, 'retrying')) === 0) return;
      const episode = {
        id: newAlertId(),
        workspaceId: workspace.id,
        destinationId: destination.id,
        kind: 'failing' as const,
        openedAt: now,
        failures: tally.failures,
        attempts: tally.failures + tally.delivered,
        topReason: tally.topReason,
        lastError: await this.latestError(workspace.id, destination.id),
        waiting: null,
        oldestWaitingAt: null,
        notifiedAt: judging.muted ? null : now,
      };
      if (!(await store.destinationAlerts.open(episode))) return; // another jobs process opened it
      const openedAlert: DestinationAlert = { ...episode, resolvedAt: null, resolution: null };
      done.opened.push(openedAlert);
      this.options.logger.warn({ workspaceId: workspace.id, destinationId: destination.id, failures: episode.failures, attempts: episode.attempts, lastError: episode.lastError, muted: judging.muted }, 'destination is failing: delivery alert opened');
      if (!judging.muted) await this.tell(workspace, destination, openedAlert, failingNoticeOf(openedAlert, tally));
      return;
    }
    const recent = tallyAttempts(counters, destination.id, now - RECOVERY_WINDOW_MS);
    const again = await this.deliveringAgain(workspace.id, destination.id, recent, settings, now);
    if (again === undefined) {
      if (await this.claimLateNotice(judging, alert)) await this.tell(workspace, destination, alert, failingNoticeOf(alert, tallyAttempts(counters, destination.id, now - FAILING_WINDOW_MS)), { lateSince: alert.openedAt });
      return;
    }
    const { retryingNow } = again;
    const resolved = await close(alert, 'recovered');
    if (!resolved) return; // another jobs process resolved it
    this.options.logger.info({ workspaceId: workspace.id, destinationId: destination.id, failingForMs: now - resolved.openedAt }, 'destination delivers again: delivery alert resolved');
    // Nobody hears of the end of an episode whose start they were not told, nor while the destination is muted (a
    // PagerDuty incident still resolves).
    if (judging.muted) await this.endedQuietly(workspace, resolved, destination);
    if (resolved.notifiedAt === null || judging.muted) return;
    const gaveUpDuring = await this.gaveUpSince(workspace.id, destination.id, resolved.openedAt - FAILING_WINDOW_MS, now, counters);
    await this.tell(workspace, destination, resolved, recoveredNotice({ workspaceName: workspace.name, destination, alert: resolved, recent, retryingNow, gaveUpDuring }));
  }

  /** An open episode not yet told (it opened while muted) whose destination is no longer muted: claimed, so one process tells it. */
  private async claimLateNotice(judging: Judging, alert: DestinationAlert): Promise<boolean> {
    if (alert.notifiedAt !== null || judging.muted) return false;
    return this.options.store.destinationAlerts.markNotified(judging.workspace.id, alert.id, judging.now);
  }

  /**
   * Opens a `falling_behind` episode when the destination's oldest delivery not yet tried (its oldest `queued` row in
   * the delivery log) has waited `behindMinutes`, or resolves its open one once nothing waits half as long.
   */
  private async judgeBehind(judging: Judging, alert: DestinationAlert | undefined): Promise<void> {
    const { workspace, destination, now, done, close } = judging;
    const { store } = this.options;
    const behindMs = deliveryAlertSettingsFor(workspace, destination.id).behindMinutes * 60_000;
    const summary = await store.deliveries.waitingSummary(workspace.id, destination.id);
    // Counted from when it was last enabled: what waited while it was disabled is not the destination falling behind.
    const waitedMs = summary.oldestQueuedAt === undefined ? 0 : now - Math.max(summary.oldestQueuedAt, destination.enabledAt ?? 0);
    const behindNoticeOf = async (episode: DestinationAlert) => {
      const pause = await store.deliveries.pauseOf(workspace.id, destination.id);
      const oldest = episode.oldestWaitingAt ?? episode.openedAt;
      const replaySince = (await store.replays.list(workspace.id, destination.id, 5))
        .filter((r) => r.finishedAt === null || r.finishedAt >= oldest)
        .reduce<number | undefined>((earliest, r) => (earliest === undefined || r.createdAt < earliest ? r.createdAt : earliest), undefined);
      const enabledSince = destination.enabledAt !== undefined && destination.enabledAt > oldest ? destination.enabledAt : undefined;
      const context = { retrying: summary.retrying, ...(pause && pause.until > now && { pause }), ...(replaySince !== undefined && { replaySince }), ...(enabledSince !== undefined && { enabledSince }) };
      return behindNotice({ workspaceName: workspace.name, destination, alert: episode, behindMinutes: behindMs / 60_000, context });
    };
    if (alert === undefined) {
      if (waitedMs < behindMs) return;
      const episode = {
        id: newAlertId(),
        workspaceId: workspace.id,
        destinationId: destination.id,
        kind: 'falling_behind' as const,
        openedAt: now,
        failures: 0,
        attempts: 0,
        topReason: '',
        lastError: null,
        waiting: await store.deliveries.countWithStatus(workspace.id, destination.id, 'queued'),
        oldestWaitingAt: summary.oldestQueuedAt ?? now,
        notifiedAt: judging.muted ? null : now,
      };
      if (!(await store.destinationAlerts.open(episode))) return; // another jobs process opened it
      const openedAlert: DestinationAlert = { ...episode, resolvedAt: null, resolution: null };
      done.opened.push(openedAlert);
      this.options.logger.warn({ workspaceId: workspace.id, destinationId: destination.id, waiting: episode.waiting, oldestWaitingMs: waitedMs, muted: judging.muted }, 'destination is falling behind: delivery alert opened');
      if (!judging.muted) await this.tell(workspace, destination, openedAlert, await behindNoticeOf(openedAlert));
      return;
    }
    // Caught up when nothing waits half the limit: a destination hovering at the limit is not announced every minute.
    if (waitedMs * 2 >= behindMs) {
      if (await this.claimLateNotice(judging, alert)) await this.tell(workspace, destination, alert, await behindNoticeOf(alert), { lateSince: alert.openedAt });
      return;
    }
    const resolved = await close(alert, 'caught_up');
    if (!resolved) return; // another jobs process resolved it
    this.options.logger.info({ workspaceId: workspace.id, destinationId: destination.id, behindForMs: now - resolved.openedAt }, 'destination caught up: delivery alert resolved');
    if (judging.muted) await this.endedQuietly(workspace, resolved, destination);
    if (resolved.notifiedAt === null || judging.muted) return;
    const waitingNow = summary.oldestQueuedAt === undefined ? 0 : await store.deliveries.countWithStatus(workspace.id, destination.id, 'queued');
    await this.tell(workspace, destination, resolved, caughtUpNotice({ workspaceName: workspace.name, destination, alert: resolved, waitingNow, oldestWaitingAt: summary.oldestQueuedAt }));
  }

  /**
   * Whether a destination delivers again: it delivered in the last 5 minutes, with a low share of failures or
   * (see `quietSince`) with nothing left waiting for a retry and nothing given up for a minute. The one judgement for
   * resolving an episode and for not opening one. When it does, with how many deliveries still wait for a retry (the
   * recovery notice says so), counted once here.
   */
  private async deliveringAgain(workspaceId: string, destinationId: string, recent: AttemptTally, settings: DeliveryAlertSettings, now: number): Promise<{ retryingNow: number } | undefined> {
    if (recent.delivered === 0) return undefined;
    const retryingNow = await this.options.store.deliveries.countWithStatus(workspaceId, destinationId, 'retrying');
    return hasRecovered(recent, settings) || (await this.quietSince(workspaceId, destinationId, now, retryingNow)) ? { retryingNow } : undefined;
  }

  /**
   * Delivering again although the last 5 minutes' share of failures is still high (a quiet destination: its few
   * events all failed a while, then went through): nothing waits for a retry and nothing failed for good in the last
   * minute (a retrying delivery's row becomes `delivered` when it goes through, so `retrying` rows are the ones still waiting).
   */
  private async quietSince(workspaceId: string, destinationId: string, now: number, retryingNow: number): Promise<boolean> {
    if (retryingNow > 0) return false;
    const [newestFailed] = await this.options.store.deliveries.list({ workspaceId, destinationId, status: 'failed', limit: 1 });
    return newestFailed === undefined || now - newestFailed.updatedAt >= QUIET_MS;
  }

  /** The newest failed or retrying delivery's error, cut to {@link LAST_ERROR_CHARS}. */
  private async latestError(workspaceId: string, destinationId: string): Promise<string | null> {
    const newest = await Promise.all(
      (['retrying', 'failed'] as const).map((status) => this.options.store.deliveries.list({ workspaceId, destinationId, status, limit: 1 })),
    );
    const latest = newest.flat().sort((a, b) => b.updatedAt - a.updatedAt)[0];
    const error = latest?.lastError ?? null;
    return error !== null && error.length > LAST_ERROR_CHARS ? `${error.slice(0, LAST_ERROR_CHARS)}...` : error;
  }

  /** Deliveries that gave up (`failed`) from `from` on: the counters already read when they reach back that far, else read again. */
  private async gaveUpSince(workspaceId: string, destinationId: string, from: number, now: number, window: readonly DeliveryCounter[]): Promise<number> {
    const counters = from >= now - FAILING_WINDOW_MS ? window : await this.options.store.deliveries.counters(workspaceId, from, now + 1, destinationId);
    return tallyAttempts(counters, destinationId, from).gaveUp;
  }

  /**
   * An episode that ended with nobody told of its end (disabled, deleted, alerts off, muted): if its opening was told,
   * the alert webhook's PagerDuty incident is resolved (`AlertMessenger.endedQuietly`). A deleted destination is named
   * by its id only.
   */
  private async endedQuietly(workspace: Workspace, alert: DestinationAlert | undefined, destination?: StoredDestination): Promise<void> {
    if (!alert || alert.notifiedAt === null) return;
    const { about, path } = destinationEpisode(alert, destination);
    await this.messenger.endedQuietly(workspace, about, path, { destinationId: alert.destinationId });
  }

  /** Tells the workspace (alert webhook, emails); `lateSince`: the episode began while its destination was muted. */
  private async tell(workspace: Workspace, destination: StoredDestination, alert: DestinationAlert, told: AlertNotice, options: { lateSince?: number } = {}): Promise<void> {
    const notice = options.lateSince === undefined ? told : withMuteEnded(told, options.lateSince);
    const { about, path } = destinationEpisode(alert, destination);
    await this.messenger.tell(workspace, notice, about, path, { destinationId: destination.id });
  }
}
