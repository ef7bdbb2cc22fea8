import type { RequestType } from './request.js';

/** Each request as the person is told what they asked for: "your request for <what>". */
export const REQUEST_WHAT: Readonly<Record<RequestType, string>> = {
  access: 'a copy of your personal data',
  delete: 'deletion of your personal data',
  correct: 'correction of your personal data',
  restrict: 'restriction of the processing of your personal data',
  unrestrict: 'lifting the restriction of processing',
  object: 'an end to the uses of your personal data you object to',
  opt_out: 'opting out of the sale and sharing of your personal data',
  limit_sensitive: 'limiting the use of your sensitive personal data',
  unlimit_sensitive: 'lifting the limit on the use of your sensitive personal data',
  suppress: 'blocking any further collection of your data',
  unsuppress: 'lifting the block on collecting your data',
  know: 'what personal information we hold about you and whom we disclosed it to',
};

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const HOUR_MINUTE = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/**
 * A moment as a person reads it in an email, in UTC (Sluice does not know the reader's time zone, and says so):
 * `4 December 2026 at 16:57 UTC`, not `2026-12-04T16:57:51.325Z`.
 */
export function readableTime(ms: number): string {
  return `${readableDay(ms)} at ${HOUR_MINUTE.format(ms)} UTC`;
}

/** A day as a person reads it (UTC): `4 December 2026`, not `2026-12-04` (which reads as 12 April in some places). */
export function readableDay(ms: number): string {
  return DAY.format(ms);
}
