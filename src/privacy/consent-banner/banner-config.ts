import type { BannerText } from '../../core/consent/banner-content.js';
import { BANNER_TEXTS, type BannerLanguage } from '../../core/consent/banner-texts.js';
import { categoryIn, type ConsentCategory } from '../../core/consent/consent-category.js';
import { consentCategoriesOf } from '../privacy-config.js';

/** One consent category as the banner shows it. */
export interface BannerCategory {
  id: string;
  name: string;
  description?: string;
  required?: boolean;
  gpc?: boolean;
}

/** Everything the banner needs, inlined into /consent.js so it costs no second request. */
export interface BannerConfig {
  writeKey: string;
  /** SLUICE_PUBLIC_URL: where analytics.js is loaded from. */
  publicUrl: string;
  categories: BannerCategory[];
  model: 'opt-in' | 'opt-out';
  /** The first-party cookie holding the choice. */
  cookieName: string;
  /** Version of the privacy policy in force, recorded with a choice (when the workspace publishes one). */
  policyVersion: string | null;
  /** The language it is shown in (the banner's `lang`). */
  language: BannerLanguage;
  /** Every sentence and label the banner shows, in `language`. */
  text: BannerText;
  /** The version of this wording with these categories and policy version (`consent_banner_texts`), sent with a choice. */
  bannerVersion: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A category as the banner shows it in `language`: its translation's name and description when it has one. */
export function bannerCategory(category: ConsentCategory, language: BannerLanguage): BannerCategory {
  const { name, description } = categoryIn(category, language);
  return {
    id: category.id,
    name,
    ...(description !== undefined ? { description } : {}),
    ...(category.required ? { required: true } : {}),
    ...(category.gpc ? { gpc: true } : {}),
  };
}

/**
 * Reads what the banner shows from a workspace's settings document: its consent categories (as the pipeline reads
 * them, `consentCategoriesOf`: the defaults when none are stored) in `language`, the consent model and the privacy
 * policy version (`privacy.consentModel`, `privacy.policyVersion`), and the banner's wording in that language.
 */
export function bannerSettingsFrom(settings: Record<string, unknown>, language: BannerLanguage = 'en'): Pick<BannerConfig, 'categories' | 'model' | 'policyVersion' | 'language' | 'text'> {
  const categories = consentCategoriesOf(settings).map((c) => bannerCategory(c, language));
  const privacy = isRecord(settings.privacy) ? settings.privacy : {};
  const model = privacy.consentModel === 'opt-out' ? 'opt-out' : 'opt-in';
  const policyVersion = typeof privacy.policyVersion === 'string' ? privacy.policyVersion : null;
  return { categories, model, policyVersion, language, text: BANNER_TEXTS[language] };
}
