/**
 * The languages Sluice speaks to the people whose data it holds (the consent banner, the hosted privacy page, the
 * emails about their requests): ISO 639-1 codes. Portuguese is European Portuguese. A language is added with its
 * wording in every surface's table (`BANNER_TEXTS`, `PRIVACY_PAGE_TEXTS`, `SUBJECT_EMAIL_TEXTS`), each typed
 * `Record<Language, ...>` so a missing one does not compile, and its locale below.
 */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The language a tag names by its primary subtag (`de`, `de-CH`, `pt_PT`, any case); undefined for one Sluice does not speak. */
export function languageOfTag(tag: string): Language | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return isLanguage(primary) ? primary : undefined;
}

/**
 * The locale each language's dates are written in (`Intl.DateTimeFormat`): the conventions its wording follows
 * (British English day-month order, European Portuguese).
 */
export const LOCALES: Readonly<Record<Language, string>> = Object.freeze({
  en: 'en-GB',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  it: 'it-IT',
  nl: 'nl-NL',
  pt: 'pt-PT',
});
