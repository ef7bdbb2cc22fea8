import { findCategory, normalizePreferences } from '../../core/consent/consent-category.js';
import type { LedgerChoice } from '../../core/consent/resolve-consent.js';
import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { mergeConsentStates, type ConsentRecord, type ConsentRecordInput, type ConsentSource } from '../../core/privacy/consent-record.js';
import { identifierKey, normalizeIdentifier, selfOnlyResolver, type LinkedIdentityResolver, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { Store } from '../../store/store.js';
import type { PrivacyConfig } from '../privacy-config.js';

/** The Keys.pseudonym purpose of IP addresses kept in the ledger. */
export const CONSENT_IP_PURPOSE = 'consent-ip';
/** The keyed pseudonym an erased subject's consent records name them by (deletion.ts). */
export const CONSENT_SUBJECT_PURPOSE = 'consent-subject';

export interface ConsentMeta {
  source: ConsentSource;
  /** Epoch ms of the choice (default: now). */
  at?: number;
  /** Default: the workspace's `policyVersion` setting. */
  policyVersion?: string | null;
  /** The subject's IP address: only its keyed hash is kept. */
  ip?: string | null;
  userAgent?: string | null;
  messageId?: string | null;
  requestId?: string | null;
  /** The consent banner wording the choice was made on (`consent_banner_texts.version`). */
  bannerVersion?: string | null;
}

/** What the ledger says about a subject now, across every linked identity. */
export interface CurrentConsent {
  /** Latest choice per category id. */
  ledger: Record<string, LedgerChoice>;
  /** When a GPC signal was first recorded for any linked identity (null: never). */
  gpcAt: number | null;
  /** The identities considered. */
  identities: SubjectIdentifier[];
}

/**
 * The consent ledger: an append-only record per subject of every choice (time, categories, source,
 * policy version, hashed IP, user agent, the banner wording it was made on), plus each subject's current state. Used by the processor
 * (consent events, GPC), the public consent endpoint, the admin API and the privacy-requests executor
 * (`object` / `opt_out` record denials).
 *
 * @example
 *   await ledger.recordDenial(ws, [{ type: 'userId', value: 'u1' }], 'gpc', { source: 'api', requestId });
 */
export class ConsentLedger {
  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
    private readonly config: PrivacyConfig,
    private linked: LinkedIdentityResolver = selfOnlyResolver,
  ) {}

  useLinkedIdentities(resolver: LinkedIdentityResolver): void {
    this.linked = resolver;
  }

  hashIp(ip: string): string {
    return this.keys.pseudonym(ip, CONSENT_IP_PURPOSE);
  }

  /** Every identity linked to any of `subjects` (them included), deduplicated. */
  async expand(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<SubjectIdentifier[]> {
    const linked = await this.linked(workspaceId, subjects);
    const out = new Map<string, SubjectIdentifier>();
    for (const s of subjects) {
      out.set(identifierKey(s), normalizeIdentifier(s));
      for (const l of linked.get(identifierKey(s)) ?? []) out.set(identifierKey(l), normalizeIdentifier(l));
    }
    return [...out.values()];
  }

  /**
   * Records a choice (`{categoryIdOrName: granted}`) for the subjects and every identity linked to them.
   * Unknown category keys are refused with `validation_failed`.
   */
  async recordChoice(workspaceId: string, subjects: readonly SubjectIdentifier[], preferences: Record<string, boolean>, meta: ConsentMeta): Promise<Record<string, boolean>> {
    const { categories, settings } = await this.config.get(workspaceId);
    for (const [key, value] of Object.entries(preferences)) {
      if (!findCategory(categories, key)) throw new SluiceError('validation_failed', `Unknown consent category "${key}"; this workspace has ${categories.map((c) => c.id).join(', ')}.`);
      if (typeof value !== 'boolean') throw new SluiceError('validation_failed', `The choice for "${key}" must be true or false.`);
    }
    const choices = normalizePreferences(categories, preferences);
    if (Object.keys(choices).length === 0) throw new SluiceError('validation_failed', 'Name at least one consent category and whether it is granted, e.g. {"analytics": true}.');
    await this.append(workspaceId, subjects, choices, false, { ...meta, policyVersion: meta.policyVersion ?? settings.policyVersion });
    return choices;
  }

  /**
   * Records a denial for an objection or an opt-out: `categories` is a list of category ids or names,
   * `'gpc'` (every category marked gpc: opt-out of sale/sharing) or `'optional'` (every non-required one).
   */
  async recordDenial(workspaceId: string, subjects: readonly SubjectIdentifier[], categories: readonly string[] | 'gpc' | 'optional', meta: ConsentMeta): Promise<Record<string, boolean>> {
    const { categories: all } = await this.config.get(workspaceId);
    const chosen = categories === 'gpc' ? all.filter((c) => c.gpc) : categories === 'optional' ? all.filter((c) => !c.required) : categories.map((k) => findCategory(all, k) ?? k);
    const preferences: Record<string, boolean> = {};
    for (const c of chosen) preferences[typeof c === 'string' ? c : c.id] = false;
    if (Object.keys(preferences).length === 0) return {};
    return this.recordChoice(workspaceId, subjects, preferences, meta);
  }

  /** Records a Global Privacy Control signal: from now on it denies every `gpc` category for these identities. */
  async recordGpc(workspaceId: string, subjects: readonly SubjectIdentifier[], meta: Omit<ConsentMeta, 'source'>): Promise<void> {
    const { categories, settings } = await this.config.get(workspaceId);
    const denied = Object.fromEntries(categories.filter((c) => c.gpc).map((c) => [c.id, false]));
    await this.append(workspaceId, subjects, denied, true, { ...meta, source: 'gpc', policyVersion: meta.policyVersion ?? settings.policyVersion });
  }

  /** Appends prepared entries as they are (the processor's batched path). */
  appendRecords(records: readonly ConsentRecordInput[]): Promise<void> {
    return this.store.consent.append(records);
  }

  async current(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<CurrentConsent> {
    const identities = await this.expand(workspaceId, subjects);
    const merged = mergeConsentStates(await this.store.consent.states(workspaceId, identities));
    return { ...merged, identities };
  }

  async history(workspaceId: string, subjects: readonly SubjectIdentifier[], limit = 500): Promise<ConsentRecord[]> {
    const identities = await this.expand(workspaceId, subjects);
    return this.store.consent.history(workspaceId, identities, limit);
  }

  private async append(workspaceId: string, subjects: readonly SubjectIdentifier[], categories: Record<string, boolean>, gpc: boolean, meta: ConsentMeta): Promise<void> {
    if (subjects.length === 0) throw new SluiceError('validation_failed', 'Name the subject: a userId, anonymousId or email.');
    const identities = await this.expand(workspaceId, subjects);
    const at = meta.at ?? Date.now();
    const ipHash = meta.ip ? this.hashIp(meta.ip) : null;
    await this.store.consent.append(
      identities.map((subject) => ({
        workspaceId,
        subject,
        at,
        categories,
        source: meta.source,
        gpc,
        policyVersion: meta.policyVersion ?? null,
        ipHash,
        userAgent: meta.userAgent ?? null,
        messageId: meta.messageId ?? null,
        requestId: meta.requestId ?? null,
        bannerVersion: meta.bannerVersion ?? null,
      })),
    );
  }
}
