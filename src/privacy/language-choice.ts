import Negotiator from 'negotiator';
import { SluiceError } from '../core/errors.js';
import { isLanguage, languageOfTag, LANGUAGES, type Language } from '../core/i18n/languages.js';

/**
 * The language a page for a data subject is served in (the consent banner, the hosted privacy page): the site's
 * `lang` parameter when it gives one (`de`, or a tag such as `de-CH`, read by its primary subtag), otherwise the
 * visitor's browser's preference (`Accept-Language`, negotiated against `LANGUAGES` by `negotiator`), otherwise
 * English. A `lang` Sluice does not speak is refused (`validation_failed`), naming those it does: a site that asks
 * for one wants to know it is not served. `surface` names what is served, for that message ("the consent banner").
 */
export function languageFor(lang: string | undefined, acceptLanguage: string | undefined, surface: string): Language {
  if (lang !== undefined && lang !== '') {
    const language = languageOfTag(lang);
    if (language) return language;
    throw new SluiceError('validation_failed', `lang=${JSON.stringify(lang)} is not a language ${surface} speaks: use one of ${LANGUAGES.join(', ')}, or leave lang out to follow the visitor's browser (Accept-Language).`, { lang, languages: [...LANGUAGES] });
  }
  if (!acceptLanguage) return 'en';
  const [preferred] = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages([...LANGUAGES]);
  return preferred !== undefined && isLanguage(preferred) ? preferred : 'en';
}
