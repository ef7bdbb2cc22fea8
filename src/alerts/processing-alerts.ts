import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer.js';
import type { Queue } from '../queue/queue.js';
import type { PipelineAlert, Store } from '../store/store.js';
import { AlertLoop } from './alert-loop.js';
import { processingBehindNotice, processingCaughtUpNotice } from './alert-notices.js';
import type { AlertWebhook } from './alert-webhook.js';
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
  readonly webhook?: AlertWebhook;
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
 * marked has been processed, or nothing marked waits half as long. Marks live in this process: one that restarts
 * starts marking again, which delays opening by at most `limitMs` and never resolves early (it resolves early only
 * when everything published before its first mark was processed).
 */
export class ProcessingAlerts extends AlertLoop {
  /** Marks not yet passed, oldest first; `at` is the first check that saw the inbox at that mark. */
  private marks: { mark: number; at: number }[] = [];
  private markingSince: number | undefined;

  constructor(private readonly options: ProcessingAlertsOptions) {
    super(options, 'whether processing keeps up', (before) => options.store.pipelineAlerts.prune(before));
  }

  /** One check: marks the inbox, then opens or resolves the episode. */
  async check(now = Date.now()): Promise<ProcessingCheck> {
    const { store, queue, limitMs } = this.options;
    const mark = await queue.inboxMark();
    this.markingSince ??= now;
    if (this.marks[this.marks.length - 1]?.mark !== mark) this.marks.push({ mark, at: now });
    // Marks grow with time: once one is not passed, no later one is.
    while (this.marks.length > 0 && (await queue.inboxPassed(this.marks[0]!.mark))) this.marks.shift();
    const oldest = this.marks[0];
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
    // Caught up: everything marked is processed, or nothing marked waits half the limit (and this process has marked
    // for that long, so a mark it never took cannot be hiding an older wait).
    const caughtUp = oldest === undefined || (waitedMs * 2 < limitMs && now - this.markingSince >= limitMs / 2);
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
}
