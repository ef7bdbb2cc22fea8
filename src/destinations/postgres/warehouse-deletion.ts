import type pg from 'pg';
import { blockedIdentifierSql } from '../../core/identity/blocked-identifiers.js';
import type { DeletionSubject } from '../destination.js';
import { inTransaction } from './pg-transaction.js';
import { quoteIdent } from './warehouse-naming.js';

export interface WarehouseDeletionReport {
  readonly total: number;
  /** Rows deleted per table (tables with none are left out). */
  readonly perTable: Readonly<Record<string, number>>;
}

/**
 * Deletes a data subject's rows from every table of the schema, in one transaction: rows whose `user_id` is one
 * of their userIds, rows whose `anonymous_id` or `previous_id` (aliases) is one of their identifiers unless the
 * row's `user_id` is someone else's (a device two people used; a placeholder such as `"null"` is nobody's), `users` rows whose `id` is one of their userIds,
 * and rows whose `email` or `context_traits_email` is one of their emails.
 */
export async function deleteSubjectRows(pool: pg.Pool, schema: string, subject: DeletionSubject): Promise<WarehouseDeletionReport> {
  const ids = [...new Set([...subject.userIds, ...subject.anonymousIds])];
  const userIds = [...new Set(subject.userIds)];
  const emails = [...new Set(subject.emails)];
  const columns = await pool.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = $1 and t.table_type = 'BASE TABLE'
        and c.column_name in ('id', 'user_id', 'anonymous_id', 'previous_id', 'email', 'context_traits_email')`,
    [schema],
  );
  const byTable = new Map<string, Set<string>>();
  for (const row of columns.rows) {
    const set = byTable.get(row.table_name) ?? new Set<string>();
    set.add(row.column_name);
    byTable.set(row.table_name, set);
  }
  const perTable: Record<string, number> = {};
  let total = 0;
  await inTransaction(pool, async (client) => {
    for (const [table, has] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
      const conditions: string[] = [];
      const params: string[][] = [];
      const param = (values: string[]): string => {
        params.push(values);
        return `$${params.length}::text[]`;
      };
      if (has.has('user_id') && userIds.length) conditions.push(`"user_id" = any(${param(userIds)})`);
      // A row with another person's user_id is theirs, whichever anonymous or previous id it carries.
      const byOtherIds = ['anonymous_id', 'previous_id'].filter((column) => has.has(column) && ids.length);
      if (byOtherIds.length) {
        // A placeholder user_id ("null", "anonymous", "0", ...) is nobody's: the row is its anonymousId's person's.
        const placeholder = blockedIdentifierSql('"user_id"::text');
        const notSomeoneElses = has.has('user_id') ? ` and ("user_id" is null or "user_id" = any(${param(userIds)}) or ${placeholder})` : '';
        const idList = param(ids);
        for (const column of byOtherIds) conditions.push(`(${quoteIdent(column)} = any(${idList})${notSomeoneElses})`);
      }
      if (table === 'users' && has.has('id') && userIds.length) conditions.push(`"id" = any(${param(userIds)})`);
      for (const column of ['email', 'context_traits_email']) if (has.has(column) && emails.length) conditions.push(`${quoteIdent(column)}::text = any(${param(emails)})`);
      if (!conditions.length) continue;
      const result = await client.query(`delete from ${quoteIdent(schema)}.${quoteIdent(table)} where ${conditions.join(' or ')}`, params);
      const count = result.rowCount ?? 0;
      if (count) perTable[table] = count;
      total += count;
    }
  });
  return { total, perTable };
}
