import { randomUUID } from 'node:crypto';
import type { Keys } from '../core/crypto/keys.js';
import type { AlertWebhookPost, AlertWebhookPostOutcome, AlertWebhookPostRepository } from '../store/alert-webhook-post-repository.js';
import type { AlertNotice } from './alert-notices.js';
import { alertIdempotencyKey, episodeIdentity, type AlertWebhook, type AlertWebhookAttempt, type AlertWebhookContext } from './alert-webhook.js';
import type { AlertWebhookSettings } from './delivery-alert-settings.js';

/**
 * Waits before each retry of a post the receiver may take later (429, 408, 5xx, a timeout, a refused connection):
 * 2 s and 15 s for Slack's brief outages, then longer, the last one repeated until {@link ALERT_WEBHOOK_WINDOW_MS}. A
 * Retry-After longer than the wait is honoured.
 */
export const ALERT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [2_000, 15_000, 60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000];
/** How long after the notice a post is still tried: an alert hours late is noise, so after this it is given up. */
export const ALERT_WEBHOOK_WINDOW_MS = 60 * 60_000;
/** How long a process holds a post it attempts (an attempt times out after 10 s); one that died lets another take it then. */
const CLAIM_MS = 60_000;

/** What telling a receiver came to at once: delivered, waiting for a retry, given up, or told before (nothing posted). */
export type AlertWebhookSent =
  | { readonly state: 'delivered'; readonly status: number }
  | { readonly state: 'pending'; readonly error: string; readonly status: number | null; readonly nextAttemptAt: number }
  | { readonly state: 'given_up'; readonly error: string; readonly status: number | null }
  | { readonly state: 'told_before' };

/** A retried post and what its attempt came to (the retry loop logs the ones given up). */
export interface AlertWebhookRetried {
  readonly post: AlertWebhookPost;
  readonly outcome: AlertWebhookPostOutcome;
}

export interface AlertWebhookOutboxOptions {
  readonly webhook: AlertWebhook;
  readonly posts: AlertWebhookPostRepository;
  readonly keys: Keys;
  readonly retryDelaysMs?: readonly number[];
  readonly windowMs?: number;
  readonly now?: () => number;
  /**
   * The workspace's alert webhook as it is now, read before each retry: a post goes to the webhook an admin set since
   * the alert (a Slack URL replaced because the old one was revoked), and is given up when the webhook was removed or
   * now takes another format. Without it a post is retried where it was first sent.
   */
  readonly webhookOf?: (workspaceId: string) => Promise<AlertWebhookSettings | undefined>;
}

/**
 * The alert webhook's posts, durable (decision 0106): each notice is written to the store (`alert_webhook_posts`) before
 * its first attempt, which is made at once; one the receiver may take later is tried again with backoff
 * ({@link ALERT_WEBHOOK_RETRY_DELAYS_MS}) by whichever process runs the retries (`AlertWebhookRetries`), for
 * {@link ALERT_WEBHOOK_WINDOW_MS}, then given up and recorded. An episode's notice is posted to a receiver (the URL and
 * PagerDuty key, per workspace) once: told again (a second process, a mute that ended), it adds nothing. A process that
 * dies during an attempt leaves the post to be tried again after its claim runs out, so a receiver may see a post
 * twice: each carries an `Idempotency-Key` (the episode and the notice) to dedupe by.
 */
export class AlertWebhookOutbox {
  private readonly delays: readonly number[];
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AlertWebhookOutboxOptions) {
    this.delays = options.retryDelaysMs ?? ALERT_WEBHOOK_RETRY_DELAYS_MS;
    this.windowMs = options.windowMs ?? ALERT_WEBHOOK_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Records the notice to the workspace's webhook, then makes its first attempt. */
  async send(workspaceId: string, webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext): Promise<AlertWebhookSent> {
    const { keys, posts } = this.options;
    const prepared = this.options.webhook.prepare(webhook, notice, context);
    const now = this.now();
    const id = `awp_${randomUUID()}`;
    const post = {
      id,
      workspaceId,
      alertId: episodeIdentity(context.about).id,
      noticeKind: notice.kind,
      receiver: 'error' in prepared ? `undecryptable:${webhook.sealedUrl}` : prepared.receiver,
      format: webhook.format,
      sealedUrl: webhook.sealedUrl,
      sealedBody: 'error' in prepared ? '' : keys.encrypt(prepared.body),
      createdAt: now,
      nextAttemptAt: now,
    };
    if (!(await posts.add(post, now + CLAIM_MS))) return { state: 'told_before' };
    if ('error' in prepared) {
      await posts.record(id, { state: 'given_up', at: now, status: null, error: prepared.error, attempted: false });
      return { state: 'given_up', error: prepared.error, status: null };
    }
    const outcome = this.outcomeOf(await this.options.webhook.attempt(prepared.url, prepared.body, prepared.idempotencyKey), { createdAt: now, attempts: 0 });
    await posts.record(id, outcome);
    return outcome.state === 'delivered' ? { state: 'delivered', status: outcome.status } : outcome.state === 'pending' ? { state: 'pending', error: outcome.error, status: outcome.status, nextAttemptAt: outcome.nextAttemptAt } : { state: 'given_up', error: outcome.error, status: outcome.status };
  }

  /** Tries again up to `limit` posts whose next attempt is due (claimed, so each is tried by one process); what each came to. */
  async retryDue(limit = 20): Promise<AlertWebhookRetried[]> {
    const { keys, posts } = this.options;
    const now = this.now();
    const retried: AlertWebhookRetried[] = [];
    for (const post of await posts.claimDue(now, now + CLAIM_MS, limit)) {
      let outcome: AlertWebhookPostOutcome;
      if (now >= post.createdAt + this.windowMs) {
        // Nobody tried it in time (no process ran the retries): too late to be news.
        outcome = { state: 'given_up', at: now, status: post.lastStatus, error: `${post.lastError ?? 'not tried'}; not delivered within ${this.windowText()} of the alert (nothing tried it again in time), given up`, attempted: false };
      } else {
        let url: string;
        let body: string;
        try {
          url = keys.decrypt(post.sealedUrl);
          body = keys.decrypt(post.sealedBody);
        } catch {
          outcome = { state: 'given_up', at: now, status: null, error: 'the webhook URL or the post could not be decrypted (was SLUICE_SECRET_KEY changed?)', attempted: false };
          await posts.record(post.id, outcome);
          retried.push({ post, outcome });
          continue;
        }
        const target = await this.webhookNow(post);
        if ('error' in target) {
          outcome = { state: 'given_up', at: now, status: post.lastStatus, error: target.error, attempted: false };
          await posts.record(post.id, outcome);
          retried.push({ post, outcome });
          continue;
        }
        if (target.url !== undefined) url = target.url;
        const attempt = await this.options.webhook.attempt(url, body, alertIdempotencyKey(post.alertId, post.noticeKind));
        outcome = this.outcomeOf(attempt, post);
      }
      await posts.record(post.id, outcome);
      retried.push({ post, outcome });
    }
    return retried;
  }

  /**
   * Where a post is retried, by the workspace's webhook now (`webhookOf`): `{}` where it was first sent (the same
   * receiver, a PagerDuty post, or no lookup), `{ url }` at the URL that replaced it (same format, so the post's body
   * is still right), or why it is not sent at all (the webhook removed, or now of another format). A PagerDuty post
   * stays with the service it was made for: its body names that service's integration key, and the handover that
   * resolves the incidents left open there when the webhook changes (`resolveOpenIncidents`) is retried this way too.
   */
  private async webhookNow(post: AlertWebhookPost): Promise<{ readonly url?: string } | { readonly error: string }> {
    if (!this.options.webhookOf || post.format === 'pagerduty') return {};
    const current = await this.options.webhookOf(post.workspaceId);
    if (!current) return { error: "the workspace's alert webhook was removed after the alert; not posted (the alert was emailed)" };
    if (current.format !== post.format) return { error: `the alert webhook was changed to the ${current.format} format after the alert; its ${post.format} post is not sent there` };
    const opened = this.options.webhook.open(current);
    if ('error' in opened) return opened;
    return opened.receiver === post.receiver ? {} : { url: opened.url };
  }

  /** An attempt as recorded: delivered, given up (refused for good, or the next try would fall after the window), or pending. */
  private outcomeOf(attempt: AlertWebhookAttempt, post: Pick<AlertWebhookPost, 'createdAt' | 'attempts'>): AlertWebhookPostOutcome {
    const at = this.now();
    const { result } = attempt;
    if (result.ok) return { state: 'delivered', at, status: result.status };
    const status = result.status ?? null;
    if (!attempt.again) return { state: 'given_up', at, status, error: result.error, attempted: true };
    const delay = this.delays[Math.min(post.attempts, this.delays.length - 1)] ?? 0;
    const nextAttemptAt = at + Math.max(delay, attempt.afterMs ?? 0);
    if (nextAttemptAt >= post.createdAt + this.windowMs) {
      return { state: 'given_up', at, status, error: `${result.error}; given up after ${post.attempts + 1} attempts (an alert is posted for ${this.windowText()} at most)`, attempted: true };
    }
    return { state: 'pending', at, status, error: result.error, nextAttemptAt };
  }

  private windowText(): string {
    const minutes = Math.round(this.windowMs / 60_000);
    return minutes >= 60 && minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`;
  }
}
