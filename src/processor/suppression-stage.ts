import { identifierKey, identifiersForSuppression, type SubjectIdentifier } from '../core/privacy/subject.js';
import { IDENTITY_KIND, linkedFromLinks } from '../privacy/graph-linked-identities.js';
import type { SuppressionService } from '../privacy/suppression/suppression-service.js';
import type { IdentityRepository } from '../store/store.js';
import type { BatchContext } from './batch-context.js';
import { graphKeysOf } from './identity-stage.js';
import { CONTINUE, drop, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/**
 * First stage: an event naming a suppressed identifier, or one linked to it through the identity graph, is
 * dropped as `suppressed` before anything is stored (counted in `sluice_events_dropped_total`).
 * It loads the identity-graph slice of the whole batch once (every identifier the events name, as the graph
 * stands before the batch), resolves linked identities from it, and leaves it in the batch context for the
 * identity stage. One batched suppression lookup per workspace in the batch.
 */
export class SuppressionStage implements ProcessorStage {
  readonly name = 'suppression';

  constructor(
    private readonly suppressions: SuppressionService,
    private readonly identities: IdentityRepository,
  ) {}

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    const idsOf = items.map((item) => identifiersForSuppression(item.event));
    const byWorkspace = new Map<string, SubjectIdentifier[]>();
    items.forEach((item, i) => {
      const ids = byWorkspace.get(item.workspaceId);
      if (ids) ids.push(...idsOf[i]!);
      else byWorkspace.set(item.workspaceId, [...idsOf[i]!]);
    });
    const { keys, groups } = graphKeysOf(items);
    for (const [workspaceId, ids] of byWorkspace) for (const id of ids) keys.push({ workspaceId, kind: IDENTITY_KIND[id.type], value: id.value });
    const slice = await this.identities.loadSlice(keys, groups);
    batch?.setGraphSlice(items, keys, groups, slice);
    const hits = new Map<string, Set<string>>();
    for (const [workspaceId, ids] of byWorkspace) {
      hits.set(workspaceId, await this.suppressions.suppressedKeys(workspaceId, ids, () => linkedFromLinks(workspaceId, ids, slice.links)));
    }
    const dropped = items.map((item, i) => {
      const hit = hits.get(item.workspaceId)!;
      return hit.size > 0 && idsOf[i]!.some((id) => hit.has(identifierKey(id)));
    });
    if (dropped.some(Boolean)) await this.suppressAlongside(items, idsOf, dropped, hits);
    return dropped.map((d) => (d ? drop('suppressed') : CONTINUE));
  }

  /**
   * The other identifiers of a dropped event (the userId of an identify whose email is suppressed) are the
   * suppressed person's too, and the graph never links them (nothing of the event is stored): they are suppressed,
   * hashed, so the person's later events naming only them are dropped as well, in this batch (marked in `dropped`)
   * and after. Placeholders (`"null"`, `"anonymous"`) are never among an event's identifiers.
   */
  private async suppressAlongside(items: readonly ProcessingItem[], idsOf: readonly SubjectIdentifier[][], dropped: boolean[], hits: ReadonlyMap<string, Set<string>>): Promise<void> {
    const spread = new Map<string, Map<string, SubjectIdentifier>>();
    const causes = new Map<string, Map<string, SubjectIdentifier>>();
    for (let changed = true; changed; ) {
      changed = false;
      items.forEach((item, i) => {
        const hit = hits.get(item.workspaceId)!;
        const mine = spread.get(item.workspaceId) ?? new Map<string, SubjectIdentifier>();
        spread.set(item.workspaceId, mine);
        if (!dropped[i]) {
          if (!idsOf[i]!.some((id) => mine.has(identifierKey(id)))) return;
          dropped[i] = true;
          changed = true;
        }
        for (const id of idsOf[i]!) {
          const key = identifierKey(id);
          if (hit.has(key)) {
            const known = causes.get(item.workspaceId) ?? new Map<string, SubjectIdentifier>();
            causes.set(item.workspaceId, known.set(key, id));
          } else if (!mine.has(key)) {
            mine.set(key, id);
            changed = true;
          }
        }
      });
    }
    for (const [workspaceId, ids] of spread) {
      if (ids.size > 0) await this.suppressions.suppressAlongside(workspaceId, [...ids.values()], [...(causes.get(workspaceId)?.values() ?? [])]);
    }
  }
}
