import type { GraphSlice, IdentityKey, IdentityLink } from '../core/identity/identity.js';
import { identifiersOfEvent, type LinkedIdentityResolver, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import { LinkIndex, uniqueIdentifiers } from '../privacy/graph-linked-identities.js';

/** A group (account) a batch names. */
export interface GroupRef {
  readonly workspaceId: string;
  readonly groupId: string;
}

function groupKey(g: GroupRef): string {
  return `${g.workspaceId}\u0000${g.groupId}`;
}

/** Which identifier values (per workspace) a graph slice was loaded for: it holds every profile owning one. */
export class LoadedValues {
  private readonly byWorkspace = new Map<string, Set<string>>();

  constructor(keys: readonly IdentityKey[]) {
    for (const k of keys) {
      const values = this.byWorkspace.get(k.workspaceId);
      if (values) values.add(k.value);
      else this.byWorkspace.set(k.workspaceId, new Set([k.value]));
    }
  }

  covers(workspaceId: string, value: string): boolean {
    return this.byWorkspace.get(workspaceId)?.has(value) ?? false;
  }
}

/**
 * What the stages of one batch share, made fresh by the {@link Processor} for every batch and dropped after it,
 * so the identity graph is read once per batch instead of once per stage:
 * - the suppression stage loads the graph slice of every identifier of the batch (before anything is written),
 *   resolves suppression through it, and leaves it here for the identity stage;
 * - the identity stage applies the batch to that slice in memory, writes the changes, and leaves the graph's
 *   links (as now written) here; the children and consent stages resolve linked identities from them.
 * Identifiers a slice was not loaded for are resolved by the fallback resolver (the store), so the answer is
 * always the one the store would give; the context only saves the round trips.
 */
export class BatchContext {
  /** A flush of the store's writes started during the batch (flushSoon), awaited by the processor at its end. */
  private earlyFlush: Promise<void> | undefined;

  constructor(private readonly flush: () => Promise<void> = async () => {}) {}

  /**
   * Starts flushing the store's writes made so far (Store.flushWrites) without waiting for it: the store
   * stage calls it after writing the events, so the disk works while fan-out runs. The batch still ends with
   * {@link BatchContext.flushAll} (cheap when nothing was written since).
   */
  flushSoon(): void {
    if (this.earlyFlush) return;
    const flushing = this.flush();
    flushing.catch(() => {}); // awaited (and its error thrown) by flushAll()
    this.earlyFlush = flushing;
  }

  /** At the end of the batch: waits for the flush flushSoon started, if any, then flushes what came after it. */
  async flushAll(): Promise<void> {
    await this.earlyFlush;
    await this.flush();
  }

  private slice: { items: readonly object[]; loaded: LoadedValues; groups: Set<string>; slice: GraphSlice } | undefined;
  private graph: { loaded: LoadedValues; links: readonly IdentityLink[]; index: Map<string, LinkIndex> } | undefined;

  /** The slice of the identity graph as it was before this batch, loaded for these items' keys and groups. */
  setGraphSlice(items: readonly object[], keys: readonly IdentityKey[], groups: readonly GroupRef[], slice: GraphSlice): void {
    this.slice = { items, loaded: new LoadedValues(keys), groups: new Set(groups.map(groupKey)), slice };
  }

  /** The slice loaded earlier in this batch if it was loaded for exactly these items (nothing dropped since). */
  graphSliceOfItems(items: readonly object[]): { slice: GraphSlice; loaded: LoadedValues } | undefined {
    const s = this.slice;
    if (!s || s.items.length !== items.length || !items.every((item, i) => item === s.items[i])) return undefined;
    return { slice: s.slice, loaded: s.loaded };
  }

  /**
   * The slice loaded earlier in this batch if it was loaded for every one of `keys` (by workspace and value)
   * and `groups`; else undefined.
   */
  graphSliceFor(keys: readonly IdentityKey[], groups: readonly GroupRef[]): { slice: GraphSlice; loaded: LoadedValues } | undefined {
    const s = this.slice;
    if (!s || !keys.every((k) => s.loaded.covers(k.workspaceId, k.value)) || !groups.every((g) => s.groups.has(groupKey(g)))) return undefined;
    return { slice: s.slice, loaded: s.loaded };
  }

  /**
   * The identity graph after the identity stage: every link of every profile the slice was loaded for
   * (`loaded`: keys, or what graphSliceOfItems/graphSliceFor answered) or the batch made.
   */
  setGraphAfterIdentity(loaded: readonly IdentityKey[] | LoadedValues, links: readonly IdentityLink[]): void {
    this.graph = { loaded: loaded instanceof LoadedValues ? loaded : new LoadedValues(loaded), links, index: new Map() };
    this.itemsLinked = undefined;
  }

  /**
   * The identifiers of these events (identifiersOfEvent, in order) and their linked identities after the
   * identity stage, worked out once for the children and consent stages (the same events, unchanged between
   * them; the PII stage, which may change identifiers, comes after).
   */
  async linkedOfItems(
    workspaceId: string,
    items: readonly { readonly event: SegmentEvent }[],
    fallback: LinkedIdentityResolver,
  ): Promise<{ idsOf: SubjectIdentifier[][]; linked: Map<string, SubjectIdentifier[]> }> {
    const hit = this.itemsLinked;
    if (hit && hit.workspaceId === workspaceId && hit.items.length === items.length && items.every((item, i) => item === hit.items[i])) return hit;
    const idsOf = items.map((item) => identifiersOfEvent(item.event));
    const linked = await this.linked(workspaceId, idsOf.flat(), fallback);
    this.itemsLinked = { workspaceId, items: [...items], idsOf, linked };
    return this.itemsLinked;
  }

  private itemsLinked: { workspaceId: string; items: readonly object[]; idsOf: SubjectIdentifier[][]; linked: Map<string, SubjectIdentifier[]> } | undefined;

  /**
   * Linked identities after the identity stage (see {@link LinkedIdentityResolver}): from the graph the batch
   * just wrote where it was loaded for the identifier, else from `fallback`.
   */
  async linked(workspaceId: string, identifiers: readonly SubjectIdentifier[], fallback: LinkedIdentityResolver): Promise<Map<string, SubjectIdentifier[]>> {
    const g = this.graph;
    if (!g) return fallback(workspaceId, identifiers);
    const unique = uniqueIdentifiers(identifiers);
    const covered = unique.filter((id) => g.loaded.covers(workspaceId, id.value));
    let index = g.index.get(workspaceId);
    if (!index) g.index.set(workspaceId, (index = new LinkIndex(workspaceId, g.links)));
    const out = index.linked(covered);
    if (covered.length < unique.length) {
      const rest = unique.filter((id) => !g.loaded.covers(workspaceId, id.value));
      for (const [key, ids] of await fallback(workspaceId, rest)) out.set(key, ids);
    }
    return out;
  }
}

/** {@link BatchContext.linkedOfItems} without a batch context: straight from the resolver. */
export async function linkedOf(
  workspaceId: string,
  items: readonly { readonly event: SegmentEvent }[],
  resolver: LinkedIdentityResolver,
): Promise<{ idsOf: SubjectIdentifier[][]; linked: Map<string, SubjectIdentifier[]> }> {
  const idsOf = items.map((item) => identifiersOfEvent(item.event));
  return { idsOf, linked: await resolver(workspaceId, idsOf.flat()) };
}
