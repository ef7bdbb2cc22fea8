import { DEFAULT_CONSENT_CATEGORIES, type ConsentCategory } from '../core/consent/consent-category.js';
import { validateCategories } from '../core/consent/validate-categories.js';
import { SluiceError } from '../core/errors.js';
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
    const stored = settings.consentCategories;
    let categories: readonly ConsentCategory[] = DEFAULT_CONSENT_CATEGORIES;
    if (Array.isArray(stored)) {
      try {
        categories = validateCategories(stored as ConsentCategory[]);
      } catch {
        categories = DEFAULT_CONSENT_CATEGORIES;
      }
    }
    const value: WorkspacePrivacy = { settings: readPrivacySettings(settings.privacy), categories, piiPolicy: settings.piiPolicy };
    this.cache.set(workspaceId, { value, at: Date.now() });
    return value;
  }

  async setCategories(workspaceId: string, categories: readonly ConsentCategory[]): Promise<ConsentCategory[]> {
    const valid = validateCategories(categories);
    await this.patchDocument(workspaceId, { consentCategories: valid });
    await this.changes?.publish('consent');
    return valid;
  }

  async updateSettings(workspaceId: string, patch: Record<string, unknown>): Promise<PrivacySettings> {
    const current = (await this.get(workspaceId)).settings;
    const next = applyPrivacyPatch(current, patch);
    await this.patchDocument(workspaceId, { privacy: next });
    await this.changes?.publish('workspace');
    return next;
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

  private async patchDocument(workspaceId: string, patch: Record<string, unknown>): Promise<void> {
    const workspace = await this.store.workspaces.get(workspaceId);
    if (!workspace) throw new SluiceError('not_found', `No workspace ${workspaceId}.`);
    await this.store.workspaces.updateSettings(workspaceId, { ...workspace.settings, ...patch });
    this.cache.delete(workspaceId);
  }
}
