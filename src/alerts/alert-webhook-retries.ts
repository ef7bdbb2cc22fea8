import type { Logger } from 'pino';
import { WakeableLoop } from '../runtime/wakeable-loop.js';
import { AlertHistoryPruner } from './alert-history.js';
import type { AlertWebhookOutbox } from './alert-webhook-outbox.js';

/** How often the retries look for posts due (each claim is one indexed query). */
export const ALERT_WEBHOOK_RETRY_POLL_MS = 5_000;

/**
 * Tries again the alert webhook's posts whose next attempt is due (`AlertWebhookOutbox.retryDue`), in every process
 * that tells alerts (the api and the jobs roles): a post noted by one process is retried by any, after a restart too.
 * Logs a post given up; prunes the posts finished before the alert history's 90 days, once an hour.
 */
export class AlertWebhookRetries extends WakeableLoop {
  private readonly history: AlertHistoryPruner;

  constructor(
    private readonly outbox: AlertWebhookOutbox,
    private readonly logger: Logger,
    prune: (before: number) => Promise<number>,
    pollMs = ALERT_WEBHOOK_RETRY_POLL_MS,
  ) {
    super({ pollMs, onError: (error) => logger.warn({ err: error }, 'could not retry the alert webhook posts; trying again shortly') });
    this.history = new AlertHistoryPruner(prune);
  }

  protected async step(): Promise<boolean> {
    await this.history.pruneIfDue(Date.now());
    const retried = await this.outbox.retryDue();
    for (const { post, outcome } of retried) {
      const fields = { workspaceId: post.workspaceId, alertId: post.alertId, notice: post.noticeKind, attempts: post.attempts + (outcome.state === 'given_up' && !outcome.attempted ? 0 : 1) };
      if (outcome.state === 'given_up') this.logger.warn({ ...fields, error: outcome.error }, "alert not posted to the workspace's alert webhook: given up (it was emailed)");
      else if (outcome.state === 'delivered') this.logger.info(fields, "alert posted to the workspace's alert webhook after a retry");
    }
    return retried.length > 0;
  }
}
