import type { BannerText } from '../../core/consent/banner-content.js';

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
  /** Every sentence and label the banner shows. */
  text: BannerText;
  /** The version of this wording with these categories and policy version (`consent_banner_texts`), sent with a choice. */
  bannerVersion: string;
}

/** The categories of a workspace that never configured its own (CONTRACT.md "Consent semantics"). */
export const DEFAULT_BANNER_CATEGORIES: readonly BannerCategory[] = [
  { id: 'necessary', name: 'Necessary', description: 'Needed for the service to work; always on.', required: true },
  { id: 'functional', name: 'Functional', description: 'Remembers your choices and improves features.' },
  { id: 'analytics', name: 'Analytics', description: 'Measures how the site is used, so it can be improved.' },
  { id: 'advertising', name: 'Advertising', description: 'Targeted advertising, and sale or sharing of personal information.', gpc: true },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a workspace's consent categories and model from its settings document (`consentCategories`,
 * `privacy.consentModel`, `privacy.policyVersion`, as the privacy configuration stores them), falling
 * back to the defaults for anything missing or malformed.
 */
export function bannerSettingsFrom(settings: Record<string, unknown>): Pick<BannerConfig, 'categories' | 'model' | 'policyVersion'> {
  let categories: BannerCategory[] = [...DEFAULT_BANNER_CATEGORIES];
  const stored = settings.consentCategories;
  if (Array.isArray(stored)) {
    const valid = stored.filter((c): c is Record<string, unknown> => isRecord(c) && typeof c.id === 'string' && typeof c.name === 'string');
    if (valid.length > 0) {
      categories = valid.map((c) => ({
        id: c.id as string,
        name: c.name as string,
        ...(typeof c.description === 'string' ? { description: c.description } : {}),
        ...(c.required === true ? { required: true } : {}),
        ...(c.gpc === true ? { gpc: true } : {}),
      }));
    }
  }
  const privacy = isRecord(settings.privacy) ? settings.privacy : {};
  const model = privacy.consentModel === 'opt-out' ? 'opt-out' : 'opt-in';
  const policyVersion = typeof privacy.policyVersion === 'string' ? privacy.policyVersion : null;
  return { categories, model, policyVersion };
}
