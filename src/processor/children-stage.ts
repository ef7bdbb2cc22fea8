import { languageOfTag, type Language } from '../core/i18n/languages.js';
import { ageOfEvent } from '../core/privacy/child-age.js';
import type { SubjectFlag } from '../core/privacy/subject-flag.js';
import { identifierKey, identifiersOfEvent, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { linkedOf, type BatchContext } from './batch-context.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/** Up to this many flags in a workspace, a batch reads them all instead of looking its subjects up. */
const FEW_FLAGS = 2000;

/**
 * Opens a deletion request for a subject newly found to be a child (the privacy-request service behind it).
 * The request waits in `verifying` for a person: an age in traits can be a typo, and deletion cannot be undone.
 */
export type ChildDeletionOpener = (input: { workspaceId: string; subject: { userId?: string; anonymousId?: string }; detail: string; language?: Language }) => Promise<void>;

/**
 * The language Sluice knows for the person behind an event: its `context.locale` (analytics.js sets it from the
 * browser's language, `de-DE`), read by its primary subtag; none when it names no language Sluice writes in.
 */
export function languageOfEvent(event: { readonly context?: unknown }): Language | undefined {
  const locale = event.context && typeof event.context === 'object' ? (event.context as { locale?: unknown }).locale : undefined;
  return typeof locale === 'string' ? languageOfTag(locale) : undefined;
}

/**
 * Children: an event whose traits show a person under the workspace's age threshold flags the subject
 * (`child`, kept in `subject_flags`); every event of a flagged subject (any linked identity) is marked
 * `item.child`, so the fan-out sends it only to destinations needing no optional category (reason `child`).
 * Events of the subject in the same batch are marked too, including those before the one that showed the age.
 * A subject flagged for the first time gets a deletion request when the workspace's `childDeletionRequests`
 * setting is on (the default). Never drops: the event is still stored.
 */
export class ChildrenStage implements ProcessorStage {
  readonly name = 'children';

  constructor(
    private readonly store: Store,
    private readonly privacy: PrivacyServices,
    private readonly openDeletion?: ChildDeletionOpener,
  ) {}

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    const now = new Date();
    const workspaces = [...new Set(items.map((i) => i.workspaceId))];
    for (const workspaceId of workspaces) {
      const mine = items.filter((i) => i.workspaceId === workspaceId);
      const { settings } = await this.privacy.config.get(workspaceId);
      const newFlags: SubjectFlag[] = [];
      const childKeys = new Set<string>();
      const revealed: { item: ProcessingItem; age: number }[] = [];
      for (const item of mine) {
        const age = ageOfEvent(item.event, now);
        if (age !== undefined && age < settings.ageThreshold) {
          item.child = true;
          revealed.push({ item, age });
          for (const subject of identifiersOfEvent(item.event)) {
            childKeys.add(identifierKey(subject));
            newFlags.push({ workspaceId, subject, flag: 'child', detail: `age ${age} under ${settings.ageThreshold}`, createdAt: now.getTime() });
          }
        }
      }
      // Few people are flagged in most workspaces: then all flags come in one small query, and a batch with
      // no flag to check and no child in it is done.
      const all = await this.store.subjectFlags.listUpTo(workspaceId, FEW_FLAGS);
      if (all?.length === 0 && revealed.length === 0) continue;
      const { idsOf, linked } = batch ? await batch.linkedOfItems(workspaceId, mine, this.privacy.linked) : await linkedOf(workspaceId, mine, this.privacy.linked);
      // Every identifier of a person maps to the same list: each list's keys once.
      const keysOfList = new Map<readonly SubjectIdentifier[], string[]>();
      for (const list of linked.values()) if (!keysOfList.has(list)) keysOfList.set(list, list.map(identifierKey));
      let flagged: SubjectFlag[];
      if (all) {
        const keys = new Set([...keysOfList.values()].flat());
        flagged = all.filter((f) => keys.has(identifierKey(f.subject)));
      } else {
        flagged = await this.store.subjectFlags.list(workspaceId, [...keysOfList.keys()].flat());
      }
      const alreadyFlagged = new Set(flagged.map((f) => identifierKey(f.subject)));
      // Flags already stored are not written again (the same child's identifies come back batch after batch).
      const stored = all && new Set(all.map((f) => `${f.flag}:${identifierKey(f.subject)}`));
      const toSet = stored ? newFlags.filter((f) => !stored.has(`${f.flag}:${identifierKey(f.subject)}`)) : newFlags;
      if (toSet.length > 0) await this.store.subjectFlags.set(toSet);
      if (settings.childDeletionRequests && this.openDeletion) {
        await this.openRequests(workspaceId, revealed, linked, alreadyFlagged, settings.ageThreshold);
      }
      for (const f of flagged) childKeys.add(identifierKey(f.subject));
      if (childKeys.size === 0) continue;
      // An event is a child's when one of its identifiers, or an identity linked to one, is flagged.
      const childLists = new Set<readonly SubjectIdentifier[]>();
      for (const [list, keys] of keysOfList) if (keys.some((key) => childKeys.has(key))) childLists.add(list);
      mine.forEach((item, i) => {
        if (item.child) return;
        const isChild = idsOf[i]!.some((id) => {
          const key = identifierKey(id);
          const list = linked.get(key);
          return list ? childLists.has(list) : childKeys.has(key);
        });
        if (isChild) item.child = true;
      });
    }
    return items.map(() => CONTINUE);
  }

  /** One deletion request per person newly found to be a child (no linked identity flagged before). */
  private async openRequests(
    workspaceId: string,
    revealed: readonly { item: ProcessingItem; age: number }[],
    linked: ReadonlyMap<string, readonly SubjectIdentifier[]>,
    alreadyFlagged: ReadonlySet<string>,
    threshold: number,
  ): Promise<void> {
    const handled = new Set<string>();
    for (const { item, age } of revealed) {
      const ids = identifiersOfEvent(item.event);
      const person = ids.flatMap((id) => linked.get(identifierKey(id)) ?? [id]).map(identifierKey);
      if (person.some((key) => alreadyFlagged.has(key) || handled.has(key))) continue;
      for (const key of person) handled.add(key);
      const { userId, anonymousId } = item.event;
      // The request is in the person's language when their event tells it (its notices, the team's view of it).
      const language = languageOfEvent(item.event);
      await this.openDeletion!({
        workspaceId,
        subject: { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) },
        ...(language !== undefined && { language }),
        detail: `opened automatically: event ${item.event.messageId} shows age ${age}, under the workspace threshold of ${threshold}; verify the age, then approve or deny`,
      });
    }
  }
}
