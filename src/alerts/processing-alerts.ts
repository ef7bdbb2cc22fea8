import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer.js';
import type { Queue } from '../queue/queue.js';
import type { ProcessingMark } from '../store/processing-mark-repository.js';
import type { PipelineAlert, Store } from '../store/store.js';
import { AlertLoop } from './alert-loop.js';
import { processingBehindNotice, processingCaughtUpNotice } from './alert-notices.js';
import type { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import { deliveryAlertSettingsOf } from './delivery-alert-settings.js';

export interface ProcessingAlertsOptions {
  readonly store: Store;
  /** The inbox: where it stands (`inboxMark`), whether the processor passed a mark, and its backlog. */
  readonly queue: Pick<Queue, 'inboxMark' | 'inboxPassed' | 'inboxBacklog'>;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** How often the inbox is checked (SLUICE_DELIVERY_ALERT_CHECK_SECONDS, as for destinations). */
  readonly intervalMs: number;
  /** Events accepted this long ago and still not processed: behind (SLUICE_PROCESSING_ALERT_MINUTES). */
  readonly limitMs: number;
  readonly webhook?: AlertWebhookOutbox;
}

/** What one check did (for tests and the log). */
export interface ProcessingCheck {
  readonly opened?: PipelineAlert;
  readonly resolved?: PipelineAlert;
}

/**
 * Processing alerts, in the jobs role: whether the installation's processors keep up with the inbox. Each check takes a
 * mark of the inbox (`Queue.inboxMark`: how far it was published) with the time; a mark the processor has not passed
 * (`Queue.inboxPassed`) says events accepted before that time still wait. When the oldest mark not passed is
 * `limitMs` old, an episode opens (a claim in the store: several jobs processes tell it once) and every workspace with
 * delivery alerts on is told: its alert webhook and its owners, admins and engineers. It is resolved once everything
 * marked has been processed, or nothing marked waits half as long and the inbox has been marked without a gap for
 * half the limit (a mark taken after a gap is young, but events accepted during the gap may be older).
 * The marks are kept in the store (`processingMarks`), so a restarted jobs process goes on from the marks taken before
 * it, and several jobs processes judge from the same marks. A gap (no check for {@link markingGapMs}) only restarts
 * the count of how long marking has gone on; an inbox that went back (its queue recreated) forgets every mark.
 */
export class ProcessingAlerts extends AlertLoop {
  constructor(private readonly options: ProcessingAlertsOptions) {
    super(options, 'whether processing keeps up', (before) => options.store.pipelineAlerts.prune(before));
  }

  /** One check: marks the inbox, then opens or resolves the episode. */
  async check(now = Date.now()): Promise<ProcessingCheck> {
    const { store, queue, limitMs } = this.options;
    const { oldest, markingSince } = await this.mark(now);
    const waitedMs = oldest === undefined ? 0 : now - oldest.at;
    await this.history.pruneIfDue(now);

    const [open] = await store.pipelineAlerts.openNow();
    const told = (await store.workspaces.list()).filter((w) => deliveryAlertSettingsOf(w).enabled);
    if (open === undefined) {
      if (oldest === undefined || waitedMs < limitMs || told.length === 0) return {};
      const episode = { id: `palert_${randomUUID().replace(/-/g, '')}`, kind: 'processing_behind' as const, openedAt: now, waitingSince: oldest.at, backlog: await queue.inboxBacklog() };
      if (!(await store.pipelineAlerts.open(episode))) return {}; // another jobs process opened it
      const opened: PipelineAlert = { ...episode, resolvedAt: null, resolution: null };
      this.options.logger.warn({ waitingMs: waitedMs, backlog: episode.backlog }, 'processing is behind: events accepted long ago are not processed yet; pipeline alert opened');
      for (const workspace of told) {
        await this.messenger.tell(workspace, processingBehindNotice({ workspaceName: workspace.name, alert: opened, limitMs }), { pipeline: opened }, '/', { pipelineAlertId: opened.id });
      }
      return { opened };
    }
    if (told.length === 0) {
      const resolved = await store.pipelineAlerts.resolve('processing_behind', now, 'alerts_off');
      if (!resolved) return {};
      // Nobody is told, but an incident opened on a workspace's PagerDuty is resolved.
      for (const workspace of await store.workspaces.list()) await this.messenger.endedQuietly(workspace, { pipeline: resolved }, '/', { pipelineAlertId: resolved.id });
      return { resolved };
    }
    // Caught up: everything marked is processed, or nothing marked waits half the limit (and the inbox has been marked
    // for that long without a gap, so a mark never taken cannot be hiding an older wait).
    const caughtUp = oldest === undefined || (waitedMs * 2 < limitMs && now - markingSince >= limitMs / 2);
    if (!caughtUp) return {};
    const resolved = await store.pipelineAlerts.resolve('processing_behind', now, 'caught_up');
    if (!resolved) return {}; // another jobs process resolved it
    this.options.logger.info({ behindForMs: now - resolved.openedAt }, 'processing caught up: pipeline alert resolved');
    const backlogNow = await queue.inboxBacklog();
    for (const workspace of told) {
      await this.messenger.tell(workspace, processingCaughtUpNotice({ alert: resolved, backlogNow }), { pipeline: resolved }, '/', { pipelineAlertId: resolved.id });
    }
    return { resolved };
  }

  /**
   * Notes the inbox's mark now and forgets the marks the processor has passed (keeping the newest, which carries when
   * the inbox was last checked). Answers the oldest mark not passed, and since when marking has gone on without a gap.
   */
  private async mark(now: number): Promise<{ oldest: ProcessingMark | undefined; markingSince: number }> {
    const { store, queue } = this.options;
    const mark = await queue.inboxMark();
    const kept = await store.processingMarks.list();
    const newest = kept[kept.length - 1];
    const wentBack = newest !== undefined && mark < newest.mark;
    if (wentBack) await store.processingMarks.forgetAll();
    const continuous = newest !== undefined && !wentBack && now - newest.checkedAt <= this.markingGapMs();
    const markingSince = continuous ? newest.markingSince : now;
    const noted: ProcessingMark = { mark, at: now, checkedAt: now, markingSince };
    await store.processingMarks.note(noted);
    // The marks as now kept: the inbox at the newest one (seen before, so its first sighting stays), or one more.
    const marks = wentBack ? [noted] : newest?.mark === mark ? kept : [...kept, noted];
    // Marks grow with time: once one is not passed, no later one is.
    let first = 0;
    while (first < marks.length && (await queue.inboxPassed(marks[first]!.mark))) first++;
    const oldest = marks[first];
    await store.processingMarks.forgetBelow(oldest?.mark ?? marks[marks.length - 1]!.mark);
    return { oldest, markingSince };
  }

  /** Longer than this without a check is a gap in the marks: three intervals, and at least two minutes (a restart). */
  private markingGapMs(): number {
    return Math.max(3 * this.options.intervalMs, 2 * 60_000);
  }
}
