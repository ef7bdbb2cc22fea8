/** Where a post to an alert webhook stands: waiting for its next attempt, taken by the receiver, or given up. */
export const ALERT_WEBHOOK_POST_STATES = ['pending', 'delivered', 'given_up'] as const;
export type AlertWebhookPostState = (typeof ALERT_WEBHOOK_POST_STATES)[number];

/** One notice of an alert episode to a workspace's webhook (src/alerts/alert-webhook-outbox.ts). */
export interface AlertWebhookPost {
  readonly id: string;
  readonly workspaceId: string;
  /** The episode's id (a destination's, the pipeline's or a role's alert). */
  readonly alertId: string;
  /** The notice's kind (`failing`, `delivering_again`, ...). */
  readonly noticeKind: string;
  /** A keyed hash of the webhook's URL and PagerDuty key: which receiver it went to, without either in clear. */
  readonly receiver: string;
  /** The webhook's format (`slack`, `json`, `pagerduty`). */
  readonly format: string;
  readonly sealedUrl: string;
  /** The body as posted, sealed (a PagerDuty body carries the integration key). */
  readonly sealedBody: string;
  readonly state: AlertWebhookPostState;
  readonly attempts: number;
  readonly createdAt: number;
  /** While pending: when it is tried next. */
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  /** The receiver's HTTP status at the last attempt (null: no answer, or not tried). */
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** When it was delivered or given up. */
  readonly finishedAt: number | null;
}

/** What one attempt came to, as recorded: delivered, pending again at `nextAttemptAt`, or given up. */
export type AlertWebhookPostOutcome =
  | { readonly state: 'delivered'; readonly at: number; readonly status: number }
  | { readonly state: 'pending'; readonly at: number; readonly status: number | null; readonly error: string; readonly nextAttemptAt: number }
  | { readonly state: 'given_up'; readonly at: number; readonly status: number | null; readonly error: string; readonly attempted: boolean };

/**
 * The alert webhook's outbox. A post is claimed (leased) by the process that attempts it, so several processes share
 * the retries and each attempt is made by one; a lease that ran out (the process died mid-attempt) lets another take
 * the post again, which is why every post carries an idempotency key.
 */
export interface AlertWebhookPostRepository {
  /**
   * Adds a post claimed by the caller until `claimedUntil` (its first attempt follows); false when the episode's
   * notice to this receiver of this workspace was added before (it is delivered, pending, or given up already).
   */
  add(post: Omit<AlertWebhookPost, 'state' | 'attempts' | 'lastAttemptAt' | 'lastStatus' | 'lastError' | 'finishedAt'>, claimedUntil: number): Promise<boolean>;
  /** Claims up to `limit` pending posts due at `now` that no process holds, until `claimedUntil`; the ones claimed. */
  claimDue(now: number, claimedUntil: number, limit: number): Promise<AlertWebhookPost[]>;
  /** Records an attempt's outcome (or a post given up unattempted) and releases the claim. */
  record(id: string, outcome: AlertWebhookPostOutcome): Promise<void>;
  /** The posts of these episodes to the workspace's webhooks, oldest first. */
  ofAlerts(workspaceId: string, alertIds: readonly string[]): Promise<AlertWebhookPost[]>;
  /** Deletes posts delivered or given up before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
