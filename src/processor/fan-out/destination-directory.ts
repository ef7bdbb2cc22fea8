import type { StoredDestination } from '../../core/destination.js';
import type { ChangeFeed } from '../../runtime/change-feed.js';
import type { DestinationRepository } from '../../store/store.js';

/**
 * The enabled destinations by workspace, cached and reloaded after a change is announced on the ChangeFeed
 * (so a change made through the API applies to the next batch).
 */
export class DestinationDirectory {
  private cache: Promise<Map<string, StoredDestination[]>> | undefined;

  constructor(private readonly repository: DestinationRepository, changes?: ChangeFeed) {
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
