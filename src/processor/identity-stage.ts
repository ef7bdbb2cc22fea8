import { IdentityGraph, identityKeysOf, type IdentityGraphOptions, DEFAULT_IDENTITY_OPTIONS } from '../core/identity/identity-graph.js';
import type { GraphSlice, IdentityKey } from '../core/identity/identity.js';
import type { Store } from '../store/store.js';
import type { BatchContext, GroupRef, LoadedValues } from './batch-context.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/** What the identity graph slice of these items is loaded for: their identity keys and groups. */
export function graphKeysOf(items: readonly ProcessingItem[]): { keys: IdentityKey[]; groups: GroupRef[] } {
  const keys: IdentityKey[] = [];
  const groups: GroupRef[] = [];
  for (const item of items) {
    for (const key of identityKeysOf(item.workspaceId, item.event)) keys.push(key);
    if (item.event.type === 'group' && typeof item.event.groupId === 'string') groups.push({ workspaceId: item.workspaceId, groupId: item.event.groupId });
  }
  return { keys, groups };
}

/**
 * Identity resolution for a whole batch with a handful of queries: load the slice of the graph the batch
 * touches, resolve every event in order in memory, write the changes in one transaction. Sets
 * `item.profileId`. Never drops: an event whose links are refused (merge protection) still flows.
 */
export class IdentityStage implements ProcessorStage {
  readonly name = 'identity';

  constructor(
    private readonly store: Store,
    private readonly options: IdentityGraphOptions = DEFAULT_IDENTITY_OPTIONS,
    private readonly onRefused: (reason: string) => void = () => {},
  ) {}

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    // The suppression stage loaded the slice of the whole batch already (its survivors' keys are a subset).
    let loaded: { slice: GraphSlice; loaded?: LoadedValues } | undefined = batch?.graphSliceOfItems(items);
    let keys: IdentityKey[] = [];
    if (!loaded) {
      const wanted = graphKeysOf(items);
      keys = wanted.keys;
      loaded = batch?.graphSliceFor(keys, wanted.groups) ?? { slice: await this.store.identities.loadSlice(keys, wanted.groups) };
    }
    const graph = new IdentityGraph(loaded.slice, this.options);
    const outcomes = items.map((item) => {
      const result = graph.apply(item.workspaceId, item.event);
      if (result.profileId !== undefined) item.profileId = result.profileId;
      for (const reason of result.refused) this.onRefused(reason);
      return CONTINUE;
    });
    await this.store.identities.applyChanges(graph.changes());
    batch?.setGraphAfterIdentity(loaded.loaded ?? keys, graph.links());
    return outcomes;
  }
}
