import { classifyEvent, compileMatchers, withReviews, type ClassifiedField, type CompiledMatchers } from '../core/pii/classify.js';
import { applyPiiActions, ruleFor, appliedPiiPolicy, type PiiPolicy } from '../core/pii/pii-policy.js';
import type { PiiObservation } from '../core/privacy/pii-field.js';
import type { JsonObject } from '../protocol/segment-event.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { CONTINUE, drop, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/** How long a field's "last seen" may lag in the inventory (keeps the hot path to few upserts). */
const INVENTORY_REFRESH_MS = 5 * 60_000;

/**
 * PII classification and the workspace-level policy, before storage:
 * - classifies every field of properties/traits/context (keys, values, custom matchers; reviewer
 *   re-classifications from the inventory win) and keeps the result on `item.pii` for the fan-out's
 *   per-destination action;
 * - applies the workspace's explicit rules (hash / redact / drop field / drop event) and records the changes
 *   on the stored event under `_privacy.pii` ([{path, action, reason}]);
 * - records new fields in the inventory in one batched upsert (each known field at most every 5 minutes).
 */
export class PiiStage implements ProcessorStage {
  readonly name = 'pii';
  /** When each (source, path, level) was last recorded in the inventory (source ids are unique across workspaces). */
  private readonly seen = new Map<string, Map<string, Partial<Record<ClassifiedField['level'], number>>>>();
  private seenCount = 0;
  private readonly compiled = new WeakMap<object, CompiledMatchers>();
  private reviewed = new Map<string, { at: number; map: Map<string, { level: ClassifiedField['level']; label: string | null }> }>();

  constructor(
    private readonly store: Store,
    private readonly privacy: PrivacyServices,
    private readonly hashFor: (workspaceId: string) => (value: string) => string,
  ) {}

  async run(items: readonly ProcessingItem[]): Promise<readonly StageOutcome[]> {
    const now = Date.now();
    const observations: PiiObservation[] = [];
    const outcomes: StageOutcome[] = [];
    const policies = new Map<string, { policy: PiiPolicy; matchers: CompiledMatchers; reviewed: Map<string, { level: ClassifiedField['level']; label: string | null }> }>();
    for (const item of items) {
      let ws = policies.get(item.workspaceId);
      if (!ws) {
        const config = await this.privacy.config.get(item.workspaceId);
        const policy = appliedPiiPolicy(config.piiPolicy);
        const key = config as object;
        let matchers = this.compiled.get(key);
        if (!matchers) {
          matchers = compileMatchers(policy.matchers);
          this.compiled.set(key, matchers);
        }
        ws = { policy, matchers, reviewed: await this.reviewedOf(item.workspaceId, now) };
        policies.set(item.workspaceId, ws);
      }
      const reviewed = ws.reviewed;
      const fields = withReviews(classifyEvent(item.event, ws.matchers), item.sourceId, reviewed);
      item.pii = fields.filter((f) => f.level !== 'none');
      let seen = this.seen.get(item.sourceId);
      if (!seen) this.seen.set(item.sourceId, (seen = new Map()));
      for (const f of fields) {
        let levels = seen.get(f.path);
        if (!levels) {
          seen.set(f.path, (levels = {}));
          this.seenCount++;
        }
        const last = levels[f.level];
        if (last === undefined || now - last > INVENTORY_REFRESH_MS) {
          levels[f.level] = now;
          observations.push({ workspaceId: item.workspaceId, sourceId: item.sourceId, path: f.path, level: f.level, label: f.label, detectedBy: f.detectedBy, seenAt: now });
        }
      }
      if (Object.keys(ws.policy.workspace).length === 0 || item.pii.length === 0) {
        outcomes.push(CONTINUE);
        continue;
      }
      const rules = ws.policy.workspace;
      const result = applyPiiActions(item.event as unknown as JsonObject, item.pii, (f) => ruleFor(f, rules), this.hashFor(item.workspaceId));
      if (result.dropReason) {
        outcomes.push(drop(result.dropReason));
        continue;
      }
      if (result.changes.length > 0) item.event._privacy = { pii: result.changes.map((c) => ({ ...c })) };
      outcomes.push(CONTINUE);
    }
    if (this.seenCount > 200_000) {
      this.seen.clear();
      this.seenCount = 0;
    }
    if (observations.length > 0) await this.store.piiInventory.observe(observations);
    return outcomes;
  }

  private async reviewedOf(workspaceId: string, now: number) {
    const hit = this.reviewed.get(workspaceId);
    if (hit && now - hit.at < 5000) return hit.map;
    const map = await this.store.piiInventory.reviewed(workspaceId);
    this.reviewed.set(workspaceId, { at: now, map });
    return map;
  }
}
