import { LANGUAGES, LOCALES, type Language } from '../../core/i18n/languages.js';

/** Emails give times in UTC: Sluice does not know the reader's time zone, and each date says so. */
const formats = (language: Language) => ({
  day: new Intl.DateTimeFormat(LOCALES[language], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  time: new Intl.DateTimeFormat(LOCALES[language], { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC', timeZoneName: 'short' }),
});
const FORMATS = Object.fromEntries(LANGUAGES.map((l) => [l, formats(l)])) as Record<Language, ReturnType<typeof formats>>;

/**
 * A moment as a person reads it in an email, in the request's language, in UTC and saying so:
 * `4 December 2026 at 16:57 UTC`, `4. Dezember 2026 um 16:57 UTC`, not `2026-12-04T16:57:51.325Z`.
 */
export function readableTime(ms: number, language: Language = 'en'): string {
  return FORMATS[language].time.format(ms);
}

/**
 * A day as a person reads it, in the request's language, with its time zone: `4 December 2026 (UTC)`, not
 * `2026-12-04` (which reads as 12 April in some places).
 */
export function readableDay(ms: number, language: Language = 'en'): string {
  return `${FORMATS[language].day.format(ms)} (UTC)`;
}
