import { daysBetween } from './deadlines.js';
import { isAnswered, REQUEST_TYPES, type PrivacyRequest, type RequestType } from './request.js';

/** Requests closed without a decision on them (`PrivacyRequest.closedWithoutDecision`): not denials. */
export interface ClosedWithoutDecisionCounts {
  total: number;
  /** The subject made the same request again before verifying it; the newer one is counted on its own. */
  superseded: number;
  /** The emailed code was never entered (the unverified sweep). */
  neverVerified: number;
}

/**
 * `received` = `completed` + `denied` + `closedWithoutDecision.total` + `open` (a failed request is open, and also
 * counted in `failed`).
 */
export interface TypeMetrics {
  received: number;
  completed: number;
  /** Denied after a decision (a refusal, an identity that could not be verified); not those closed without one. */
  denied: number;
  closedWithoutDecision: ClosedWithoutDecisionCounts;
  failed: number;
  open: number;
  /** Median calendar days from receipt to response, over the completed and denied ones (null when none). */
  medianDaysToRespond: number | null;
}

/** CCPA 11 CCR 7102 figures for a period: counts by type and outcome, median (and mean) days to respond. */
export interface RequestMetrics {
  from: number;
  to: number;
  total: TypeMetrics;
  /** Over the completed and denied ones, as the medians. */
  meanDaysToRespond: number | null;
  /** Answered with a decision after their due date. */
  answeredLate: number;
  byType: Record<RequestType, TypeMetrics>;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/** Answered: completed or denied. A failed request (or one an earlier version stamped when it failed) is still open. */
const answered = (r: PrivacyRequest) => isAnswered(r) && r.respondedAt !== null;
/** Closed without a decision: not a denial, and no substantive response, so not in the days to respond either. */
const undecided = (r: PrivacyRequest) => r.status === 'denied' && r.closedWithoutDecision !== undefined;
/** Answered with a decision (completed, or denied on the request's merits): what the days to respond are about. */
const decided = (r: PrivacyRequest) => answered(r) && !undecided(r);

function summarize(requests: readonly PrivacyRequest[]): TypeMetrics {
  const days = requests.filter(decided).map((r) => daysBetween(r.receivedAt, r.respondedAt!));
  const closed = requests.filter(undecided);
  return {
    received: requests.length,
    completed: requests.filter((r) => r.status === 'completed').length,
    denied: requests.filter((r) => r.status === 'denied' && !undecided(r)).length,
    closedWithoutDecision: {
      total: closed.length,
      superseded: closed.filter((r) => r.closedWithoutDecision === 'superseded').length,
      neverVerified: closed.filter((r) => r.closedWithoutDecision === 'never_verified').length,
    },
    failed: requests.filter((r) => r.status === 'failed').length,
    open: requests.filter((r) => !answered(r)).length,
    medianDaysToRespond: round2(median(days)),
  };
}

/** Metrics over the requests received in [from, to). */
export function requestMetrics(requests: readonly PrivacyRequest[], from: number, to: number): RequestMetrics {
  const inPeriod = requests.filter((r) => r.receivedAt >= from && r.receivedAt < to);
  const answeredInPeriod = inPeriod.filter(decided);
  const byType = Object.fromEntries(REQUEST_TYPES.map((type) => [type, summarize(inPeriod.filter((r) => r.type === type))])) as Record<RequestType, TypeMetrics>;
  const days = answeredInPeriod.map((r) => daysBetween(r.receivedAt, r.respondedAt!));
  return {
    from,
    to,
    total: summarize(inPeriod),
    meanDaysToRespond: round2(days.length === 0 ? null : days.reduce((a, b) => a + b, 0) / days.length),
    answeredLate: answeredInPeriod.filter((r) => r.respondedAt! > r.dueAt).length,
    byType,
  };
}
