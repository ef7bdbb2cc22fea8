/**
 * Legal deadlines of data-subject requests, computed exactly (pure functions, no I/O).
 *
 * - GDPR Art. 12(3): one calendar month from receipt (the same day of the next month, clamped to that
 *   month's last day: Jan 31 -> Feb 28, or Feb 29 in a leap year); extendable by two further months, i.e.
 *   three calendar months from receipt.
 * - CCPA 11 CCR 7021: 45 calendar days from receipt, extendable once by 45 more (90 from receipt);
 *   confirmation of receipt within 10 business days.
 * - CCPA 7026 / 7027: opt-out of sale or sharing and limit-the-use requests within 15 business days; no
 *   extension.
 *
 * Calendar arithmetic is done in UTC and keeps the time of day of receipt. Business days are Monday to
 * Friday; public holidays are NOT built in (they differ by state and country): a caller that wants them
 * skipped passes them as `holidays` (ISO dates, `YYYY-MM-DD`). Without holidays a business-day deadline can
 * only come out earlier than the strict legal one, never later, so it errs on the safe side.
 */

export const REGULATIONS = ['gdpr', 'ccpa'] as const;
export type Regulation = (typeof REGULATIONS)[number];

/** Which clock a request runs on. */
export type DeadlineKind = 'gdpr_month' | 'ccpa_days' | 'opt_out_business_days';

export interface DeadlineOptions {
  /** ISO dates (`YYYY-MM-DD`, UTC) that are not business days besides weekends. */
  readonly holidays?: readonly string[];
}

const DAY_MS = 86_400_000;

function daysInMonthUtc(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** `at` plus `months` calendar months, clamped to the end of the target month (Jan 31 + 1 -> Feb 28/29). */
export function addCalendarMonths(at: number, months: number): number {
  const d = new Date(at);
  const targetMonth = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonthUtc(year, month));
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export function addCalendarDays(at: number, days: number): number {
  return at + days * DAY_MS;
}

/** The UTC calendar date of `at`, `YYYY-MM-DD`. */
export function isoDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Whether the UTC day of `at` is a business day (Monday-Friday, not one of `holidays`). */
export function isBusinessDay(at: number, options: DeadlineOptions = {}): boolean {
  const weekday = new Date(at).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !(options.holidays ?? []).includes(isoDate(at));
}

/**
 * `at` plus `days` business days: counting starts the day after receipt, each counted day must be a
 * business day (received Friday + 1 business day = Monday). Time of day is kept.
 */
export function addBusinessDays(at: number, days: number, options: DeadlineOptions = {}): number {
  let current = at;
  let left = days;
  while (left > 0) {
    current += DAY_MS;
    if (isBusinessDay(current, options)) left -= 1;
  }
  return current;
}

/** The clock that applies to a request type under a regulation. */
export function deadlineKind(type: string, regulation: Regulation): DeadlineKind {
  if (type === 'opt_out' || type === 'limit_sensitive') return regulation === 'ccpa' ? 'opt_out_business_days' : 'gdpr_month';
  return regulation === 'gdpr' ? 'gdpr_month' : 'ccpa_days';
}

/** When the answer is due, from receipt. */
export function dueAt(type: string, regulation: Regulation, receivedAt: number, options: DeadlineOptions = {}): number {
  switch (deadlineKind(type, regulation)) {
    case 'gdpr_month':
      return addCalendarMonths(receivedAt, 1);
    case 'ccpa_days':
      return addCalendarDays(receivedAt, 45);
    case 'opt_out_business_days':
      return addBusinessDays(receivedAt, 15, options);
  }
}

/**
 * The due date after the one permitted extension, or undefined when the clock allows none (opt-outs).
 * GDPR: three calendar months from receipt (one plus two further); CCPA: 90 calendar days from receipt.
 */
export function extendedDueAt(type: string, regulation: Regulation, receivedAt: number): number | undefined {
  switch (deadlineKind(type, regulation)) {
    case 'gdpr_month':
      return addCalendarMonths(receivedAt, 3);
    case 'ccpa_days':
      return addCalendarDays(receivedAt, 90);
    case 'opt_out_business_days':
      return undefined;
  }
}

/** CCPA 7021(a): confirm receipt within 10 business days (applied to every request: it costs nothing). */
export function receiptConfirmationDueAt(receivedAt: number, options: DeadlineOptions = {}): number {
  return addBusinessDays(receivedAt, 10, options);
}

/** Calendar days (fractional) between receipt and response, for the 7102 metrics. */
export function daysBetween(from: number, to: number): number {
  return (to - from) / DAY_MS;
}
