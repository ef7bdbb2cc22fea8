import { sha256Hex } from '../ids.js';

/** Every sentence and label the consent banner can show (besides the categories' own names and descriptions). */
export interface BannerText {
  title: string;
  intro: string;
  /** Shown when the browser sends a Global Privacy Control signal and a category covers sale or sharing. */
  gpcNotice: string;
  /** Shown when the visitor chose under an earlier privacy policy version; `{version}` is the version now in force. */
  policyChanged: string;
  /** Shown when categories were added since the visitor chose. */
  newCategories: string;
  /** After the name of a required category. */
  alwaysOn: string;
  /** After the name of a `gpc` category while the browser sends GPC. */
  gpcOff: string;
  /** After the name of a category added since the visitor chose. */
  newLabel: string;
  rejectAll: string;
  acceptAll: string;
  save: string;
  /** The floating button that opens the banner again. */
  reopen: string;
}

/** One category as the banner showed it. */
export interface BannerContentCategory {
  id: string;
  name: string;
  description: string | null;
  required: boolean;
  gpc: boolean;
}

/**
 * What a visitor was shown: the banner's wording, the categories in the order shown, and the privacy policy version it
 * named. Kept once per distinct content (`consent_banner_texts`), under `bannerVersionOf(content)`.
 */
export interface BannerContent {
  text: BannerText;
  categories: BannerContentCategory[];
  policyVersion: string | null;
}

/** A stored banner wording, as the proof of consent shows it. */
export interface StoredBannerText {
  version: string;
  content: BannerContent;
  /** Epoch ms of the first time a browser was served it. */
  firstServedAt: number;
}

/** The content, with its fields in one fixed order (so the same content always hashes alike). */
export function bannerContent(text: BannerText, categories: readonly { id: string; name: string; description?: string; required?: boolean; gpc?: boolean }[], policyVersion: string | null): BannerContent {
  return {
    text: {
      title: text.title,
      intro: text.intro,
      gpcNotice: text.gpcNotice,
      policyChanged: text.policyChanged,
      newCategories: text.newCategories,
      alwaysOn: text.alwaysOn,
      gpcOff: text.gpcOff,
      newLabel: text.newLabel,
      rejectAll: text.rejectAll,
      acceptAll: text.acceptAll,
      save: text.save,
      reopen: text.reopen,
    },
    categories: categories.map((c) => ({ id: c.id, name: c.name, description: c.description ?? null, required: c.required === true, gpc: c.gpc === true })),
    policyVersion,
  };
}

/** The content's address: the hex SHA-256 of its JSON. */
export function bannerVersionOf(content: BannerContent): string {
  return sha256Hex(JSON.stringify(content));
}

/** A banner version as a client may name it: 64 lowercase hex digits. */
export function isBannerVersion(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
