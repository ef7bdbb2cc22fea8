import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { IdentifierType } from '../../core/privacy/subject.js';
import type { Suppression } from '../../core/privacy/suppression.js';
import type { SuppressionRepository } from '../store.js';
import type { Database, SuppressionTable } from './schema.js';

const CHUNK = 500;

function toSuppression(row: Selectable<SuppressionTable>): Suppression {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    identifier: row.identifier,
    identifierHash: row.identifier_hash,
    hashed: Number(row.hashed) === 1,
    type: row.type as IdentifierType,
    requestId: row.request_id,
    createdAt: Number(row.created_at),
  };
}

export class SqlSuppressionRepository implements SuppressionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(rows: readonly Omit<Suppression, 'id' | 'createdAt'>[], now: number): Promise<Suppression[]> {
    if (rows.length === 0) return [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const values = rows.slice(i, i + CHUNK).map((r) => ({
        id: newId('sup'),
        workspace_id: r.workspaceId,
        identifier: r.identifier,
        identifier_hash: r.identifierHash,
        hashed: r.hashed ? 1 : 0,
        type: r.type,
        request_id: r.requestId,
        created_at: now,
      }));
      await this.db.insertInto('suppressions').values(values).onConflict((oc) => oc.columns(['workspace_id', 'identifier_hash']).doNothing()).execute();
    }
    const byWorkspace = new Map<string, string[]>();
    for (const r of rows) byWorkspace.set(r.workspaceId, [...(byWorkspace.get(r.workspaceId) ?? []), r.identifierHash]);
    const out: Suppression[] = [];
    for (const [workspaceId, hashes] of byWorkspace) out.push(...(await this.of(workspaceId, hashes)));
    return out;
  }

  async of(workspaceId: string, identifierHashes: readonly string[]): Promise<Suppression[]> {
    const out: Suppression[] = [];
    for (let i = 0; i < identifierHashes.length; i += CHUNK) {
      const found = await this.db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).where('identifier_hash', 'in', identifierHashes.slice(i, i + CHUNK)).execute();
      out.push(...found.map(toSuppression));
    }
    return out;
  }

  async remove(workspaceId: string, identifierHashes: readonly string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < identifierHashes.length; i += CHUNK) {
      const result = await this.db.deleteFrom('suppressions').where('workspace_id', '=', workspaceId).where('identifier_hash', 'in', identifierHashes.slice(i, i + CHUNK)).executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async list(workspaceId: string): Promise<Suppression[]> {
    const rows = await this.db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(toSuppression);
  }

  async hashesUpTo(workspaceId: string, max: number): Promise<Set<string> | undefined> {
    const rows = await this.db.selectFrom('suppressions').select('identifier_hash').where('workspace_id', '=', workspaceId).limit(max + 1).execute();
    return rows.length > max ? undefined : new Set(rows.map((r) => r.identifier_hash));
  }

  async matching(workspaceId: string, identifierHashes: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(identifierHashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.db.selectFrom('suppressions').select('identifier_hash').where('workspace_id', '=', workspaceId).where('identifier_hash', 'in', unique.slice(i, i + CHUNK)).execute();
      for (const row of rows) out.add(row.identifier_hash);
    }
    return out;
  }
}
