import { identifierKey, identifiersOfEvent, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { SuppressionService } from '../privacy/suppression/suppression-service.js';
import { CONTINUE, drop, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/**
 * First stage: an event naming a suppressed identifier, or one linked to it through the identity graph, is
 * dropped as `suppressed` before anything is stored (counted in `sluice_events_dropped_total`). One batched
 * lookup per workspace in the batch.
 */
export class SuppressionStage implements ProcessorStage {
  readonly name = 'suppression';

  constructor(private readonly suppressions: SuppressionService) {}

  async run(items: readonly ProcessingItem[]): Promise<readonly StageOutcome[]> {
    const idsOf = items.map((item) => identifiersOfEvent(item.event));
    const byWorkspace = new Map<string, SubjectIdentifier[]>();
    items.forEach((item, i) => {
      const ids = byWorkspace.get(item.workspaceId);
      if (ids) ids.push(...idsOf[i]!);
      else byWorkspace.set(item.workspaceId, [...idsOf[i]!]);
    });
    const hits = new Map<string, Set<string>>();
    for (const [workspaceId, ids] of byWorkspace) hits.set(workspaceId, await this.suppressions.suppressedKeys(workspaceId, ids));
    return items.map((item, i) => {
      const hit = hits.get(item.workspaceId)!;
      return hit.size > 0 && idsOf[i]!.some((id) => hit.has(identifierKey(id))) ? drop('suppressed') : CONTINUE;
    });
  }
}
