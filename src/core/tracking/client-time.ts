import { SluiceError } from '../errors.js';

/**
 * A client time in the ISO form Segment's libraries send (`2026-11-30T09:00:00.000Z`): month 01-12, day 01-31,
 * hour < 24. Such a string, when its day exists in its month, is its own normalized form, so no Date round trip
 * is needed; the other accepted forms go through `ISO_DATE_TIME`.
 */
const CANONICAL_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * The ISO-8601 forms accepted (RFC 3339 and the variants JSON encoders write): a date, optionally `T` (or a
 * space) and hours:minutes, optional seconds and fraction, optional `Z` or offset `+01:00` / `+0100` / `+01`.
 * Groups: year, month, day, hour, minute, second, fraction, offset.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysIn(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return leap ? 29 : 28;
}

/** Whether a string matching CANONICAL_ISO names a day that exists (30 February does not). */
function dayExists(iso: string): boolean {
  const day = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  if (day <= 28) return true;
  const month = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  return day <= daysIn(Number(iso.slice(0, 4)), month);
}

/**
 * Epoch milliseconds accepted as a number: from 1973-03-03 (1e11 ms) to the end of year 9999. Below that a
 * number is far more likely seconds (10 digits), a counter or a placeholder (0, -1) than a time in 1970, so it is
 * refused rather than read as one.
 */
const MIN_EPOCH_MS = 1e11;
const MAX_EPOCH_MS = 253_402_300_799_999;

const EXAMPLE = 'e.g. 2026-11-30T09:00:00.000Z';
const ACCEPTED = `an ISO-8601 date-time such as 2026-11-30T09:00:00.000Z (an offset such as +01:00 instead of Z is accepted)`;

/** A client's value quoted in a message, bounded. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
}

function invalid(field: string, message: string): SluiceError {
  return new SluiceError('invalid_timestamp', `${field} ${message}`);
}

/** An ISO-8601 string that is not in the canonical form, as its normalized ISO string; throws when it is not one. */
function parseIsoString(value: string, field: string): string {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) throw invalid(field, `${quoted(value)} is not an ISO-8601 date: send ${ACCEPTED}.`);
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) throw invalid(field, `${quoted(value)} has month ${mo}, which does not exist: send ${ACCEPTED}.`);
  if (day < 1 || day > daysIn(year, month)) {
    throw invalid(field, `${quoted(value)} names a day that does not exist (${MONTH_NAMES[month - 1]} ${year} has ${daysIn(year, month)} days): send a real date, ${EXAMPLE}.`);
  }
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) {
    throw invalid(field, `${quoted(value)} has a time of day out of range (hours 00-23, minutes and seconds 00-59): send ${ACCEPTED}.`);
  }
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetRest = offset.length > 3 ? Number(offset.slice(-2)) : 0;
    if (offsetHours > 23 || offsetRest > 59) throw invalid(field, `${quoted(value)} has a time zone offset out of range: send ${ACCEPTED}.`);
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const millisecond = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes them as given.
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, millisecond));
  date.setUTCFullYear(year, month - 1, day);
  return new Date(date.getTime() - offsetMinutes * 60_000).toISOString();
}

/**
 * A client-supplied time (`timestamp`, `originalTimestamp`, `sentAt`) as its normalized ISO string (UTC, with
 * milliseconds), or undefined when absent (`null`, `""` or not given). Accepted: ISO-8601 date-times (see
 * ISO_DATE_TIME; one without an offset is UTC, a date alone is its midnight UTC) naming a day and time that
 * exist, and whole numbers of epoch milliseconds from 1973 to 9999. Anything else throws `invalid_timestamp`
 * saying what was wrong: nothing is read in the server's time zone, and no impossible date rolls over into the
 * next month.
 *
 * @example parseClientTime('2026-11-30T10:00:00+01:00', 'timestamp') // '2026-11-30T09:00:00.000Z'
 */
export function parseClientTime(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    if (value.length === 24 && CANONICAL_ISO.test(value) && dayExists(value)) return value;
    return parseIsoString(value, field);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= MIN_EPOCH_MS && value <= MAX_EPOCH_MS) return new Date(value).toISOString();
    throw invalid(field, `${value} is not a time Sluice reads: a number is taken as whole milliseconds since 1970 (13 digits, like 1764493200000, from 1973 on), so seconds or placeholders such as 0 and -1 are refused; send ${ACCEPTED}.`);
  }
  throw invalid(field, `must be an ISO-8601 string, got ${Array.isArray(value) ? 'array' : typeof value}: send ${ACCEPTED}.`);
}
