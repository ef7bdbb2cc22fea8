import { sql, type Kysely, type Selectable } from 'kysely';
import type { PiiInventoryField, PiiLevel, PiiObservation } from '../../core/privacy/pii-field.js';
import type { PiiInventoryRepository } from '../store.js';
import type { Database, PiiInventoryTable } from './schema.js';

const CHUNK = 400;

function toField(row: Selectable<PiiInventoryTable>): PiiInventoryField {
  return {
    workspaceId: row.workspace_id,
    sourceId: row.source_id,
    path: row.path,
    level: row.level as PiiLevel,
    label: row.label,
    detectedBy: row.detected_by,
    reviewedLevel: row.reviewed_level as PiiLevel | null,
    reviewedLabel: row.reviewed_label,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at === null ? null : Number(row.reviewed_at),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
  };
}

export class SqlPiiInventoryRepository implements PiiInventoryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async observe(input: readonly PiiObservation[]): Promise<void> {
    // One row per field per statement (PostgreSQL refuses to update a row twice in one INSERT ... ON CONFLICT).
    const merged = new Map<string, PiiObservation & { firstSeen: number }>();
    for (const o of input) {
      const key = `${o.workspaceId}\u0000${o.sourceId}\u0000${o.path}`;
      const current = merged.get(key);
      if (!current) merged.set(key, { ...o, firstSeen: o.seenAt });
      else {
        const level = current.level === 'none' ? o : current;
        merged.set(key, { ...level, seenAt: Math.max(current.seenAt, o.seenAt), firstSeen: Math.min(current.firstSeen, o.seenAt) });
      }
    }
    const observations = [...merged.values()];
    for (let i = 0; i < observations.length; i += CHUNK) {
      const values = observations.slice(i, i + CHUNK).map((o) => ({
        workspace_id: o.workspaceId,
        source_id: o.sourceId,
        path: o.path,
        level: o.level,
        label: o.label,
        detected_by: o.detectedBy,
        first_seen: o.firstSeen,
        last_seen: o.seenAt,
      }));
      // A field first seen as `none` that later shows PII takes the detected classification.
      await this.db
        .insertInto('pii_inventory')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'source_id', 'path']).doUpdateSet({
            last_seen: sql<number>`case when excluded.last_seen > pii_inventory.last_seen then excluded.last_seen else pii_inventory.last_seen end`,
            level: sql<string>`case when pii_inventory.level = 'none' then excluded.level else pii_inventory.level end`,
            label: sql<string | null>`case when pii_inventory.level = 'none' then excluded.label else pii_inventory.label end`,
            detected_by: sql<string>`case when pii_inventory.level = 'none' then excluded.detected_by else pii_inventory.detected_by end`,
          }),
        )
        .execute();
    }
  }

  async list(workspaceId: string, filter: { sourceId?: string; level?: PiiLevel }): Promise<PiiInventoryField[]> {
    let query = this.db.selectFrom('pii_inventory').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.sourceId !== undefined) query = query.where('source_id', '=', filter.sourceId);
    const rows = await query.orderBy('source_id').orderBy('path').execute();
    const fields = rows.map(toField);
    return filter.level === undefined ? fields : fields.filter((f) => (f.reviewedLevel ?? f.level) === filter.level);
  }

  async review(workspaceId: string, sourceId: string, path: string, review: { level: PiiLevel; label: string | null; by: string; at: number }): Promise<PiiInventoryField | undefined> {
    await this.db
      .updateTable('pii_inventory')
      .set({ reviewed_level: review.level, reviewed_label: review.label, reviewed_by: review.by, reviewed_at: review.at })
      .where('workspace_id', '=', workspaceId)
      .where('source_id', '=', sourceId)
      .where('path', '=', path)
      .execute();
    const row = await this.db.selectFrom('pii_inventory').selectAll().where('workspace_id', '=', workspaceId).where('source_id', '=', sourceId).where('path', '=', path).executeTakeFirst();
    return row ? toField(row) : undefined;
  }

  async reviewed(workspaceId: string): Promise<Map<string, { level: PiiLevel; label: string | null }>> {
    const rows = await this.db
      .selectFrom('pii_inventory')
      .select(['source_id', 'path', 'reviewed_level', 'reviewed_label'])
      .where('workspace_id', '=', workspaceId)
      .where('reviewed_level', 'is not', null)
      .execute();
    return new Map(rows.map((r) => [`${r.source_id}\u0000${r.path}`, { level: r.reviewed_level as PiiLevel, label: r.reviewed_label }]));
  }
}
