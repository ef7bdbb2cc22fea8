import { CONSENT_MODELS, type ConsentModel } from '../consent/consent-category.js';
import { normalizeCountry, REGION_GROUPS } from '../consent/regions.js';
import { SluiceError } from '../errors.js';

/** The event retention windows a workspace may choose (days), as Segment offers: 30, 90, 180, 365, 3 years. */
export const EVENT_RETENTION_DAYS = [30, 90, 180, 365, 1095] as const;
export type EventRetentionDays = (typeof EVENT_RETENTION_DAYS)[number];

/** A workspace's privacy settings (stored in the workspace's settings under `privacy`). */
export interface PrivacySettings {
  /** Consent model where no regional model applies. */
  consentModel: ConsentModel;
  /** Model per ISO country code or group (`EU`, `EEA`). */
  regionModels: Record<string, ConsentModel>;
  /** `ignore` (default: DNT has no legal force) or `as-gpc` (a `DNT: 1` request is treated like GPC). */
  dnt: 'ignore' | 'as-gpc';
  /** Subjects under this age are children (13-16; GDPR Art. 8 default 16). */
  ageThreshold: number;
  /** Open a deletion request (waiting for a person to verify) for a subject newly found to be a child. */
  childDeletionRequests: boolean;
  /** Stored events older than this are deleted; null keeps them. */
  eventRetentionDays: EventRetentionDays | null;
  /** Raw IP addresses of stored events are truncated after this many days; null keeps them. */
  ipRetentionDays: number | null;
  /** Version of the privacy policy in force, recorded with each consent choice. */
  policyVersion: string | null;
  /**
   * Which destinations a deletion is forwarded to: `all` (default: every destination that can delete), or
   * `recipients` (those the delivery log shows received the person's data, when it can tell; decision 0402).
   */
  deletionForwarding: DeletionForwarding;
}

export const DELETION_FORWARDING = ['all', 'recipients'] as const;
export type DeletionForwarding = (typeof DELETION_FORWARDING)[number];

export const DEFAULT_PRIVACY_SETTINGS: Readonly<PrivacySettings> = Object.freeze({
  consentModel: 'opt-in',
  regionModels: {},
  dnt: 'ignore',
  ageThreshold: 16,
  childDeletionRequests: true,
  eventRetentionDays: 365,
  ipRetentionDays: 30,
  policyVersion: null,
  deletionForwarding: 'all',
});

function fail(message: string): never {
  throw new SluiceError('validation_failed', message);
}

/**
 * Applies a patch to settings, validating each field with a message that says how to fix it.
 * Unknown fields are refused.
 */
export function applyPrivacyPatch(current: PrivacySettings, patch: Record<string, unknown>): PrivacySettings {
  const next: PrivacySettings = { ...current, regionModels: { ...current.regionModels } };
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'consentModel':
        if (!CONSENT_MODELS.includes(value as ConsentModel)) fail(`consentModel must be one of ${CONSENT_MODELS.join(', ')}.`);
        next.consentModel = value as ConsentModel;
        break;
      case 'regionModels': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) fail('regionModels must be an object such as {"EU": "opt-in", "US": "opt-out"}.');
        const models: Record<string, ConsentModel> = {};
        for (const [region, model] of Object.entries(value as Record<string, unknown>)) {
          const isGroup = region.toUpperCase() in REGION_GROUPS;
          const country = normalizeCountry(region);
          if (!isGroup && !country) fail(`regionModels key "${region}" is not an ISO 3166-1 alpha-2 country code or one of ${Object.keys(REGION_GROUPS).join(', ')}.`);
          if (!CONSENT_MODELS.includes(model as ConsentModel)) fail(`regionModels.${region} must be one of ${CONSENT_MODELS.join(', ')}.`);
          models[isGroup ? region.toUpperCase() : country!] = model as ConsentModel;
        }
        next.regionModels = models;
        break;
      }
      case 'dnt':
        if (value !== 'ignore' && value !== 'as-gpc') fail('dnt must be "ignore" (default) or "as-gpc".');
        next.dnt = value;
        break;
      case 'ageThreshold':
        if (!Number.isInteger(value) || (value as number) < 13 || (value as number) > 16) fail('ageThreshold must be an integer from 13 to 16 (GDPR Art. 8).');
        next.ageThreshold = value as number;
        break;
      case 'childDeletionRequests':
        if (typeof value !== 'boolean') fail('childDeletionRequests must be true or false.');
        next.childDeletionRequests = value;
        break;
      case 'eventRetentionDays':
        if (value !== null && !EVENT_RETENTION_DAYS.includes(value as EventRetentionDays)) fail(`eventRetentionDays must be one of ${EVENT_RETENTION_DAYS.join(', ')} or null (keep).`);
        next.eventRetentionDays = value as EventRetentionDays | null;
        break;
      case 'ipRetentionDays':
        if (value !== null && (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 3650)) fail('ipRetentionDays must be an integer from 0 to 3650, or null (keep raw IPs).');
        next.ipRetentionDays = value as number | null;
        break;
      case 'policyVersion':
        if (value !== null && (typeof value !== 'string' || value.length > 100)) fail('policyVersion must be a string of at most 100 characters, or null.');
        next.policyVersion = value as string | null;
        break;
      case 'deletionForwarding':
        if (!DELETION_FORWARDING.includes(value as DeletionForwarding)) fail('deletionForwarding must be "all" (every destination that can delete) or "recipients" (those that received the person\'s data).');
        next.deletionForwarding = value as DeletionForwarding;
        break;
      default:
        fail(`Unknown privacy setting "${key}". Known: ${Object.keys(DEFAULT_PRIVACY_SETTINGS).join(', ')}.`);
    }
  }
  return next;
}

/** Reads stored settings leniently: anything invalid falls back to the default. */
export function readPrivacySettings(stored: unknown): PrivacySettings {
  let settings: PrivacySettings = { ...DEFAULT_PRIVACY_SETTINGS, regionModels: {} };
  if (!stored || typeof stored !== 'object') return settings;
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    try {
      settings = applyPrivacyPatch(settings, { [key]: value });
    } catch {
      // ignore an invalid stored value
    }
  }
  return settings;
}
