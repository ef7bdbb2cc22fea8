import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { blockedIdentifierSql } from '../../core/identity/blocked-identifiers.js';

/**
 * SQL for "this event has no userId of anyone": `user_id` is null, or a placeholder the identity graph never links
 * (`isBlockedIdentifier`: `null`, `anonymous`, `-1`, only zeros and dashes, ... in any case, surrounding spaces
 * ignored). An event a logged-out app sent with `userId: "null"` belongs to the person of its anonymousId (the
 * identity graph linked it there); read as someone else's userId, it was left out of that person's profile, access
 * export and deletion. The same text functions on SQLite and PostgreSQL (`trim` of spaces, `lower`, `replace`).
 */
export function withoutUsableUserId(column: 'user_id' | 'e.user_id' = 'user_id'): RawBuilder<SqlBool> {
  const quoted = column.split('.').map((part) => `"${part}"`).join('.');
  return sql<SqlBool>`(${sql.ref(column)} is null or ${sql.raw(blockedIdentifierSql(quoted))})`;
}
