import { daysBetween } from './deadlines.js';
import { isAnswered, REQUEST_TYPES, type PrivacyRequest, type RequestType } from './request.js';

export interface TypeMetrics {
  received: number;
  completed: number;
  denied: number;
  failed: number;
  open: number;
  /** Median calendar days from receipt to response, over the answered ones (null when none). */
  medianDaysToRespond: number | null;
}

/** CCPA 11 CCR 7102 figures for a period: counts by type and outcome, median (and mean) days to respond. */
export interface RequestMetrics {
  from: number;
  to: number;
  total: TypeMetrics;
  meanDaysToRespond: number | null;
  /** Answered after their due date. */
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

function summarize(requests: readonly PrivacyRequest[]): TypeMetrics {
  const days = requests.filter(answered).map((r) => daysBetween(r.receivedAt, r.respondedAt!));
  return {
    received: requests.length,
    completed: requests.filter((r) => r.status === 'completed').length,
    denied: requests.filter((r) => r.status === 'denied').length,
    failed: requests.filter((r) => r.status === 'failed').length,
    open: requests.filter((r) => !answered(r)).length,
    medianDaysToRespond: round2(median(days)),
  };
}

/** Metrics over the requests received in [from, to). */
export function requestMetrics(requests: readonly PrivacyRequest[], from: number, to: number): RequestMetrics {
  const inPeriod = requests.filter((r) => r.receivedAt >= from && r.receivedAt < to);
  const answeredInPeriod = inPeriod.filter(answered);
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
