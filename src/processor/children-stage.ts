import { ageOfEvent } from '../core/privacy/child-age.js';
import type { SubjectFlag } from '../core/privacy/subject-flag.js';
import { identifierKey, identifiersOfEvent } from '../core/privacy/subject.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/**
 * Children: an event whose traits show a person under the workspace's age threshold flags the subject
 * (`child`, kept in `subject_flags`); every event of a flagged subject (any linked identity) is marked
 * `item.child`, so the fan-out sends it only to destinations needing no optional category (reason `child`).
 * Never drops: the event is still stored.
 */
export class ChildrenStage implements ProcessorStage {
  readonly name = 'children';

  constructor(
    private readonly store: Store,
    private readonly privacy: PrivacyServices,
  ) {}

  async run(items: readonly ProcessingItem[]): Promise<readonly StageOutcome[]> {
    const now = new Date();
    const workspaces = [...new Set(items.map((i) => i.workspaceId))];
    for (const workspaceId of workspaces) {
      const mine = items.filter((i) => i.workspaceId === workspaceId);
      const { settings } = await this.privacy.config.get(workspaceId);
      const newFlags: SubjectFlag[] = [];
      const childKeys = new Set<string>();
      for (const item of mine) {
        const age = ageOfEvent(item.event, now);
        if (age !== undefined && age < settings.ageThreshold) {
          item.child = true;
          for (const subject of identifiersOfEvent(item.event)) {
            childKeys.add(identifierKey(subject));
            newFlags.push({ workspaceId, subject, flag: 'child', detail: `age ${age} under ${settings.ageThreshold}`, createdAt: now.getTime() });
          }
        }
      }
      if (newFlags.length > 0) await this.store.subjectFlags.set(newFlags);
      const linked = await this.privacy.linked(workspaceId, mine.flatMap((i) => identifiersOfEvent(i.event)));
      const subjects = [...linked.values()].flat();
      const flagged = await this.store.subjectFlags.list(workspaceId, subjects);
      for (const f of flagged) childKeys.add(identifierKey(f.subject));
      if (childKeys.size === 0) continue;
      for (const item of mine) {
        if (item.child) continue;
        const expanded = identifiersOfEvent(item.event).flatMap((id) => linked.get(identifierKey(id)) ?? [id]);
        if (expanded.some((id) => childKeys.has(identifierKey(id)))) item.child = true;
      }
    }
    return items.map(() => CONTINUE);
  }
}
