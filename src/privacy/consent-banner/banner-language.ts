import Negotiator from 'negotiator';
import { BANNER_LANGUAGES, isBannerLanguage, type BannerLanguage } from '../../core/consent/banner-texts.js';
import { SluiceError } from '../../core/errors.js';

/**
 * The language a banner is served in: the site's `lang` parameter when it gives one (`de`, or a tag such as `de-CH`,
 * read by its primary subtag), otherwise the visitor's browser's preference (`Accept-Language`, negotiated against
 * `BANNER_LANGUAGES` by `negotiator`), otherwise English. A `lang` the banner does not speak is refused, naming those
 * it does: a site that asks for one wants to know it is not served.
 */
export function bannerLanguageFor(lang: string | undefined, acceptLanguage: string | undefined): BannerLanguage {
  if (lang !== undefined && lang !== '') {
    const primary = lang.trim().toLowerCase().split(/[-_]/)[0] ?? '';
    if (isBannerLanguage(primary)) return primary;
    throw new SluiceError('validation_failed', `lang=${JSON.stringify(lang)} is not a language the consent banner speaks: use one of ${BANNER_LANGUAGES.join(', ')}, or leave lang out to follow the visitor's browser (Accept-Language).`, { lang, languages: [...BANNER_LANGUAGES] });
  }
  if (!acceptLanguage) return 'en';
  const [preferred] = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages([...BANNER_LANGUAGES]);
  return preferred !== undefined && isBannerLanguage(preferred) ? preferred : 'en';
}
