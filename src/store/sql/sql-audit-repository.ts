import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { auditEntryHash, GENESIS_HASH, type AuditEntry, type AuditInput } from '../../core/audit-entry.js';
import { newId } from '../../core/ids.js';
import type { AuditQuery, AuditRepository } from '../store.js';
import type { AuditLogTable, Database } from './schema.js';

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    workspaceId: row.workspace_id,
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    before: parseJson(row.before),
    after: parseJson(row.after),
    ip: row.ip,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function startsWith(prefix: string): RawBuilder<boolean> {
  return sql<boolean>`substr(actor, 1, ${prefix.length}) = ${prefix}`;
}

/** A JSON round trip, so the value hashed is exactly the value read back later. */
function jsonValue(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * The audit log: appends extend each workspace's chain under a row lock on its head (PostgreSQL) or the
 * single writer connection (SQLite), so concurrent writers never fork a chain.
 */
export class SqlAuditRepository implements AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(input: AuditInput, at: number = Date.now()): Promise<AuditEntry> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('audit_heads').values({ workspace_id: input.workspaceId, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('workspace_id').doNothing()).execute();
      // A no-op update takes the head's row lock, serialising appends to this workspace's chain.
      await trx.updateTable('audit_heads').set((eb) => ({ seq: eb.ref('seq') })).where('workspace_id', '=', input.workspaceId).execute();
      const head = await trx.selectFrom('audit_heads').select(['seq', 'hash']).where('workspace_id', '=', input.workspaceId).executeTakeFirstOrThrow();
      const unhashed: Omit<AuditEntry, 'hash'> = {
        seq: Number(head.seq) + 1,
        id: newId('aud'),
        workspaceId: input.workspaceId,
        at,
        actor: input.actor,
        action: input.action,
        resourceType: input.resourceType,
        resourceId: input.resourceId,
        resourceName: input.resourceName ?? null,
        before: jsonValue(input.before),
        after: jsonValue(input.after),
        ip: input.ip ?? null,
        prevHash: head.hash,
      };
      const entry: AuditEntry = { ...unhashed, hash: auditEntryHash(unhashed) };
      await trx
        .insertInto('audit_log')
        .values({
          id: entry.id,
          workspace_id: entry.workspaceId,
          seq: entry.seq,
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          resource_type: entry.resourceType,
          resource_id: entry.resourceId,
          resource_name: entry.resourceName,
          before: entry.before === null ? null : JSON.stringify(entry.before),
          after: entry.after === null ? null : JSON.stringify(entry.after),
          ip: entry.ip,
          prev_hash: entry.prevHash,
          hash: entry.hash,
        })
        .execute();
      await trx.updateTable('audit_heads').set({ seq: entry.seq, hash: entry.hash }).where('workspace_id', '=', input.workspaceId).execute();
      return entry;
    });
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', q.workspaceId);
    const actorIs: RawBuilder<boolean>[] = [];
    if (q.actor !== undefined) actorIs.push(sql<boolean>`actor = ${q.actor}`);
    if (q.actorPrefix !== undefined) actorIs.push(startsWith(q.actorPrefix));
    if (q.actorContains !== undefined) actorIs.push(sql<boolean>`lower(actor) like ${`%${likeEscaped(q.actorContains.toLowerCase())}%`} escape '\\'`);
    if (actorIs.length > 0) {
      const actorMatches = sql<boolean>`(${sql.join(actorIs, sql` and `)})`;
      const alsoThese = (q.orActorPrefixes ?? []).map(startsWith);
      query = query.where(alsoThese.length === 0 ? actorMatches : sql<boolean>`(${actorMatches} or ${sql.join(alsoThese, sql` or `)})`);
    }
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.actionPrefix !== undefined) query = query.where(sql<boolean>`substr(action, 1, ${q.actionPrefix.length}) = ${q.actionPrefix}`);
    if (q.resourceType !== undefined) query = query.where('resource_type', '=', q.resourceType);
    if (q.resourceId !== undefined) query = query.where('resource_id', '=', q.resourceId);
    if (q.from !== undefined) query = query.where('at', '>=', q.from);
    if (q.to !== undefined) query = query.where('at', '<', q.to);
    if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
    const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
    return rows.map(toEntry);
  }

  async scan(workspaceId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId).where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
    return rows.map(toEntry);
  }

  async head(workspaceId: string): Promise<{ seq: number; hash: string } | undefined> {
    const row = await this.db.selectFrom('audit_heads').select(['seq', 'hash']).where('workspace_id', '=', workspaceId).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }

  async workspaceIds(): Promise<string[]> {
    const heads = await this.db.selectFrom('audit_heads').select('workspace_id').execute();
    const logged = await this.db.selectFrom('audit_log').select('workspace_id').distinct().execute();
    return [...new Set([...heads, ...logged].map((r) => r.workspace_id))].sort();
  }
}

/** `text` for a LIKE pattern with its wildcards taken literally (escape character `\`). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
