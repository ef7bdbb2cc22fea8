import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import type { SourceRepository } from '../store/store.js';

const TTL_MS = 1000;

/**
 * writeKey -> source, cached for a second so ingest does not query the store per request. Changes made
 * through the admin API in this process are seen at once (`invalidate()` is called by the change feed);
 * another process's changes within at most a second.
 */
export class SourceResolver {
  private readonly cache = new Map<string, { source: Source | undefined; at: number }>();

  constructor(private readonly sources: SourceRepository) {}

  /** The enabled source of a writeKey; `found` hears of the source before a disabled one is refused (for counting). */
  async resolve(writeKey: string | undefined, found?: (source: Source) => void): Promise<Source> {
    if (writeKey === undefined) {
      throw new SluiceError('missing_write_key', 'No writeKey: send it as Basic auth (base64 of "writeKey:") or as "writeKey" in the JSON body.');
    }
    const now = Date.now();
    let entry = this.cache.get(writeKey);
    if (!entry || now - entry.at > TTL_MS) {
      entry = { source: await this.sources.byWriteKey(writeKey), at: now };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(writeKey, entry);
    }
    if (!entry.source) throw new SluiceError('unknown_source', 'The writeKey matches no source (a rotated writeKey stops working at once); copy the current one from the source settings in the console.');
    found?.(entry.source);
    if (!entry.source.enabled) throw new SluiceError('source_disabled', `Source "${entry.source.name}" is disabled; enable it to accept events.`);
    return entry.source;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
