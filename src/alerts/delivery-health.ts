import { isHeldReason } from '../destinations/destination.js';
import type { DeliveryCounter } from '../store/store.js';
import type { DeliveryAlertSettings } from './delivery-alert-settings.js';

/** How far back a destination's attempts are judged for opening an alert. */
export const FAILING_WINDOW_MS = 15 * 60_000;
/** How far back they are judged for closing one: recent enough that "delivering again" is news. */
export const RECOVERY_WINDOW_MS = 5 * 60_000;
/** Fewer failed attempts than this never open an alert (one bad event is the delivery log's business, not an email's). */
export const MIN_FAILURES = 5;

/** A destination's delivery attempts over a span, from the per-minute delivery counters. */
export interface AttemptTally {
  readonly delivered: number;
  /** Attempts that failed: `retrying` (tried again later) and `failed` (gave up or refused for good). */
  readonly failures: number;
  /** Deliveries that gave up (`failed`): they are not tried again unless somebody retries them. */
  readonly gaveUp: number;
  /** The most frequent reason among the failures ('' when none). */
  readonly topReason: string;
}

/**
 * Tallies the counters of one destination from `from` (a minute's start at or after it counts). Drops, queued
 * jobs and retries of events held back unsent (behind their user's earlier event, a Retry-After pause, an
 * earlier part of the batch) are not attempts.
 */
export function tallyAttempts(counters: readonly DeliveryCounter[], destinationId: string, from: number): AttemptTally {
  let delivered = 0;
  let failures = 0;
  let gaveUp = 0;
  const reasons = new Map<string, number>();
  for (const c of counters) {
    if (c.destinationId !== destinationId || c.minute < from) continue;
    if (c.status === 'delivered') delivered += c.count;
    else if ((c.status === 'retrying' && !isHeldReason(c.reason)) || c.status === 'failed') {
      failures += c.count;
      if (c.status === 'failed') gaveUp += c.count;
      reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + c.count);
    }
  }
  let topReason = '';
  let top = 0;
  for (const [reason, count] of reasons) {
    if (count > top || (count === top && reason < topReason)) [topReason, top] = [reason, count];
  }
  return { delivered, failures, gaveUp, topReason };
}

/** Failing: at least {@link MIN_FAILURES} failed attempts, and at least `failurePercent` % of all attempts. */
export function isFailing(tally: AttemptTally, settings: DeliveryAlertSettings): boolean {
  const attempts = tally.delivered + tally.failures;
  return tally.failures >= MIN_FAILURES && tally.failures * 100 >= settings.failurePercent * attempts;
}

/**
 * Recovered: it delivered something, and fewer than half of `failurePercent` % of its attempts failed (the gap
 * between the two thresholds keeps a destination hovering at the threshold from alerting on every check). No
 * attempt at all is not recovery: the alert stays open until something is delivered.
 */
export function hasRecovered(tally: AttemptTally, settings: DeliveryAlertSettings): boolean {
  const attempts = tally.delivered + tally.failures;
  return tally.delivered > 0 && tally.failures * 200 < settings.failurePercent * attempts;
}

/** A reason code as people read it: `http_503` -> "HTTP 503"; other codes as they are. */
export function describeReason(reason: string): string {
  const http = /^http_(\d{3})$/.exec(reason);
  if (http) return `HTTP ${http[1]}`;
  return reason === '' ? 'no reason recorded' : reason.replace(/_/g, ' ');
}
