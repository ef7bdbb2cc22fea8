import { sql, type RawBuilder } from 'kysely';

/**
 * A column as an expression no index serves (`column || ''`, the same value), to keep a planner without statistics
 * (SQLite) off that column's indexes where another index finds the rows: a person's events through `events_user` /
 * `events_anonymous` with the workspace compared on each row found (a plain `workspace_id = ?` made SQLite walk
 * all the workspace's events through `events_workspace_seq`), a time range through `events_received_at`
 * (SqlEventRepository.rangeFirst). Both dialects accept it.
 */
export function unindexed(column: 'workspace_id' | 'source_id' | 'e.workspace_id'): RawBuilder<string> {
  return sql<string>`${sql.ref(column)} || ''`;
}
