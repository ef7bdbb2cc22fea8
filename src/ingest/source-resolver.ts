import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import type { SourceRepository } from '../store/store.js';

const TTL_MS = 1000;

interface CacheEntry {
  readonly source: Source | undefined;
  readonly at: number;
}

/**
 * writeKey -> source, cached for a second so ingest does not query the store per request. Changes made
 * through the admin API in this process are seen at once (`invalidate()` is called by the change feed);
 * another process's changes within at most a second. While the store cannot be read (a PostgreSQL restart or
 * failover), a writeKey resolved before keeps its last answer: in scale mode accepting an event needs only the
 * queue, and no source can be changed meanwhile (the admin API needs the store too). A writeKey not known yet
 * fails with the store's error (503 storage_unavailable).
 */
export class SourceResolver {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly sources: SourceRepository) {}

  /** The enabled source of a writeKey; `found` hears of the source before a disabled one is refused (for counting). */
  async resolve(writeKey: string | undefined, found?: (source: Source) => void): Promise<Source> {
    if (writeKey === undefined) {
      throw new SluiceError('missing_write_key', 'No writeKey: send it as Basic auth (base64 of "writeKey:") or as "writeKey" in the JSON body.');
    }
    const now = Date.now();
    let entry = this.cache.get(writeKey);
    if (!entry || now - entry.at > TTL_MS) entry = await this.lookUp(writeKey, entry, now);
    if (!entry.source) {
      // An admin API token (sl_…) pasted where the writeKey goes is the usual mix-up: say which key goes here.
      const looksLikeToken = writeKey.startsWith('sl_') ? ' It starts with sl_, as the admin API\'s tokens do: events are sent with a source\'s writeKey instead (GET /api/v1/sources, or the source\'s page in the console).' : '';
      throw new SluiceError('unknown_source', `The writeKey matches no source (a rotated writeKey stops working at once); copy the current one from the source settings in the console.${looksLikeToken}`);
    }
    found?.(entry.source);
    if (!entry.source.enabled) throw new SluiceError('source_disabled', `Source "${entry.source.name}" is disabled; enable it to accept events.`);
    return entry.source;
  }

  /**
   * Reads the writeKey's source from the store; when that fails, the `last` answer stands for another second (so
   * requests during an outage do not each wait on the store: it is asked again a second later).
   */
  private async lookUp(writeKey: string, last: CacheEntry | undefined, now: number): Promise<CacheEntry> {
    let entry: CacheEntry;
    try {
      entry = { source: await this.sources.byWriteKey(writeKey), at: now };
    } catch (error) {
      if (!last) throw error;
      entry = { source: last.source, at: now };
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(writeKey, entry);
    return entry;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
