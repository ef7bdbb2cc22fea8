import { DEFAULT_CONSENT_CATEGORIES, type ConsentCategory } from '../core/consent/consent-category.js';
import { validateCategories } from '../core/consent/validate-categories.js';
import { readPrivacySettings, applyPrivacyPatch, type PrivacySettings } from '../core/privacy/privacy-settings.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';

/** The privacy configuration of one workspace, as the processor and the API use it. */
export interface WorkspacePrivacy {
  settings: PrivacySettings;
  categories: readonly ConsentCategory[];
  /** The raw PII policy document (validated by src/privacy/pii). */
  piiPolicy: unknown;
}

/** A workspace's consent categories from its settings document (the defaults when none, or none valid, are stored). */
export function consentCategoriesOf(settings: Readonly<Record<string, unknown>>): readonly ConsentCategory[] {
  const stored = settings.consentCategories;
  if (!Array.isArray(stored)) return DEFAULT_CONSENT_CATEGORIES;
  try {
    return validateCategories(stored as ConsentCategory[]);
  } catch {
    return DEFAULT_CONSENT_CATEGORIES;
  }
}

/**
 * Reads and writes a workspace's privacy configuration (kept in the workspace's settings document under
 * `privacy`, `consentCategories` and `piiPolicy`), with a per-thread cache that every write, in any
 * thread, invalidates through the ChangeFeed (topics `workspace` and `consent`).
 */
export class PrivacyConfig {
  private readonly cache = new Map<string, { value: WorkspacePrivacy; at: number }>();
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly changes?: ChangeFeed,
    /** How long a cached value may be used without a change notice (other processes do not send any). */
    private readonly maxAgeMs = 2000,
  ) {
    this.unsubscribe = changes?.subscribe((topic) => {
      if (topic === 'workspace' || topic === 'consent') this.cache.clear();
    });
  }

  async get(workspaceId: string): Promise<WorkspacePrivacy> {
    const hit = this.cache.get(workspaceId);
    if (hit && Date.now() - hit.at < this.maxAgeMs) return hit.value;
    const workspace = await this.store.workspaces.get(workspaceId);
    const settings = workspace?.settings ?? {};
    const value: WorkspacePrivacy = { settings: readPrivacySettings(settings.privacy), categories: consentCategoriesOf(settings), piiPolicy: settings.piiPolicy };
    this.cache.set(workspaceId, { value, at: Date.now() });
    return value;
  }

  async setCategories(workspaceId: string, categories: readonly ConsentCategory[]): Promise<ConsentCategory[]> {
    const valid = validateCategories(categories);
    await this.patchDocument(workspaceId, { consentCategories: valid });
    await this.changes?.publish('consent');
    return valid;
  }

  /** Patches the settings as stored now (not as cached: up to maxAgeMs old, or changed by another process); answers what it replaced and the result. */
  async updateSettings(workspaceId: string, patch: Record<string, unknown>): Promise<{ before: PrivacySettings; after: PrivacySettings }> {
    let change: { before: PrivacySettings; after: PrivacySettings } | undefined;
    await this.changeDocument(workspaceId, (document) => {
      const before = readPrivacySettings(document.privacy);
      change = { before, after: applyPrivacyPatch(before, patch) };
      return { ...document, privacy: change.after };
    });
    await this.changes?.publish('workspace');
    return change!;
  }

  async setPiiPolicy(workspaceId: string, policy: unknown): Promise<void> {
    await this.patchDocument(workspaceId, { piiPolicy: policy });
    await this.changes?.publish('workspace');
  }

  invalidate(): void {
    this.cache.clear();
  }

  close(): void {
    this.unsubscribe?.();
  }

  private patchDocument(workspaceId: string, patch: Record<string, unknown>): Promise<void> {
    return this.changeDocument(workspaceId, (document) => ({ ...document, ...patch }));
  }

  private async changeDocument(workspaceId: string, change: (document: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    await this.store.workspaces.changeSettings(workspaceId, change);
    this.cache.delete(workspaceId);
  }
}
