import type { StoredDestination } from '../../core/destination.js';
import type { ChangeFeed } from '../../runtime/change-feed.js';
import type { DestinationRepository } from '../../store/store.js';

/** Longest the cache is used without a change announced (a change committed by a process that died before announcing it). */
const MAX_AGE_MS = 30_000;

/**
 * The enabled destinations by workspace, cached and reloaded after a change is announced on the ChangeFeed
 * (the processor catches the feed up before each batch, so a change made through the API applies to every
 * event accepted after it), and at least every 30 s.
 */
export class DestinationDirectory {
  private cache: Promise<Map<string, StoredDestination[]>> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly repository: DestinationRepository,
    changes?: ChangeFeed,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {
    changes?.subscribe((topic) => {
      if (topic === 'destinations' || topic === 'sources') this.cache = undefined;
    });
  }

  /** Enabled destinations of a workspace that receive events from this source. */
  async connected(workspaceId: string, sourceId: string): Promise<StoredDestination[]> {
    const all = (await this.load()).get(workspaceId) ?? [];
    return all.filter((d) => d.sourceIds === null || d.sourceIds.includes(sourceId));
  }

  invalidate(): void {
    this.cache = undefined;
  }

  private load(): Promise<Map<string, StoredDestination[]>> {
    if (this.cache && Date.now() - this.loadedAt >= this.maxAgeMs) this.cache = undefined;
    if (!this.cache) this.loadedAt = Date.now();
    this.cache ??= this.repository.listAll().then((all) => {
      const byWorkspace = new Map<string, StoredDestination[]>();
      for (const d of all) {
        if (!d.enabled) continue;
        const list = byWorkspace.get(d.workspaceId);
        if (list) list.push(d);
        else byWorkspace.set(d.workspaceId, [d]);
      }
      return byWorkspace;
    }, (error: unknown) => {
      this.cache = undefined;
      throw error;
    });
    return this.cache;
  }
}
