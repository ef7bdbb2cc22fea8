import { sql, type Kysely } from 'kysely';
import type { RateLimitRepository, RateLimitWindow } from '../rate-limit-repository.js';
import type { Database } from './schema.js';

export class SqlRateLimitRepository implements RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitWindow> {
    // One statement: a window that has run out starts again at `now` with this hit; otherwise the hit is added.
    const expired = sql<boolean>`rate_limit_windows.window_start <= ${now - windowMs}`;
    const row = await this.db
      .insertInto('rate_limit_windows')
      .values({ key, window_start: now, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when ${expired} then 1 else rate_limit_windows.count + 1 end`,
          window_start: sql<number>`case when ${expired} then excluded.window_start else rate_limit_windows.window_start end`,
        }),
      )
      .returning(['window_start', 'count'])
      .executeTakeFirstOrThrow();
    return { windowStart: Number(row.window_start), count: Number(row.count) };
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('rate_limit_windows').where('window_start', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
