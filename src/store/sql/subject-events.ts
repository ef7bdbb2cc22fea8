import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { unindexed } from './unindexed.js';
import { withoutUsableUserId } from './without-usable-user-id.js';

/**
 * SUBJECT_EVENTS (sql-subject-data-repository.ts) as a condition on `events`, or on it aliased `e`: the workspace's
 * events with one of these values in `column`, and for anonymousIds only those without anyone's usable userId. The
 * identifier is what an index finds (`events_user` / `events_anonymous`, decision 0111); the workspace is compared on
 * each row found (`unindexed`), or SQLite, which keeps no statistics, walks the whole workspace instead. `values` is
 * not empty (callers pass `chunks()` of their lists).
 */
export function subjectEvents(workspaceId: string, column: 'user_id' | 'anonymous_id', values: readonly string[], table: 'events' | 'e' = 'events'): RawBuilder<SqlBool> {
  const aliased = table === 'e';
  const of = sql<SqlBool>`${unindexed(aliased ? 'e.workspace_id' : 'workspace_id')} = ${workspaceId} and ${sql.ref(aliased ? `e.${column}` : column)} in (${sql.join([...values])})`;
  return column === 'user_id' ? sql<SqlBool>`(${of})` : sql<SqlBool>`(${of} and ${withoutUsableUserId(aliased ? 'e.user_id' : 'user_id')})`;
}
