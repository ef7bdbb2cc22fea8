import type { BannerLanguage } from '../../core/consent/banner-texts.js';
import { languageFor } from '../language-choice.js';

/**
 * The language a banner is served in: `lang`, else `Accept-Language`, else English; a `lang` the banner does not
 * speak is refused, naming those it does (`languageFor`, the rule the hosted privacy page follows too).
 */
export function bannerLanguageFor(lang: string | undefined, acceptLanguage: string | undefined): BannerLanguage {
  return languageFor(lang, acceptLanguage, 'the consent banner');
}
