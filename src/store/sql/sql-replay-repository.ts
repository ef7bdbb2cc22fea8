import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { DeliveryCursor, NewReplay, Replay, ReplayKind, ReplayProgress, ReplayRange, ReplayStatus } from '../../replay/replay.js';
import type { ReplayRepository } from '../../replay/replay-repository.js';
import type { Database, ReplayTable } from './schema.js';

const orNull = (value: number | string | null) => (value === null ? null : Number(value));

function toReplay(row: Selectable<ReplayTable>): Replay {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    destinationId: row.destination_id,
    kind: row.kind as ReplayKind,
    range: JSON.parse(row.range) as ReplayRange,
    status: row.status as ReplayStatus,
    total: Number(row.total),
    read: Number(row.read),
    queued: Number(row.queued),
    dropped: Number(row.dropped),
    afterSeq: Number(row.after_seq),
    cursor: row.cursor === null ? null : (JSON.parse(row.cursor) as DeliveryCursor),
    error: row.error,
    requestedBy: row.requested_by,
    leaseUntil: orNull(row.lease_until),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: orNull(row.finished_at),
  };
}

const progressColumns = (p: ReplayProgress) => ({ read: p.read, queued: p.queued, dropped: p.dropped, after_seq: p.afterSeq, cursor: p.cursor === null ? null : JSON.stringify(p.cursor) });

export class SqlReplayRepository implements ReplayRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewReplay, now: number): Promise<Replay> {
    const row: Selectable<ReplayTable> = {
      id: newId('rpl'),
      workspace_id: input.workspaceId,
      destination_id: input.destinationId,
      range: JSON.stringify(input.range),
      status: 'running',
      total: input.total,
      read: 0,
      queued: 0,
      dropped: 0,
      after_seq: 0,
      kind: input.kind ?? 'range',
      cursor: null,
      error: null,
      requested_by: input.requestedBy,
      lease_until: input.leaseUntil ?? null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    await this.db.insertInto('replays').values(row).execute();
    return toReplay(row);
  }

  async get(workspaceId: string, id: string): Promise<Replay | undefined> {
    const row = await this.db.selectFrom('replays').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toReplay(row) : undefined;
  }

  async list(workspaceId: string, destinationId: string, limit: number): Promise<Replay[]> {
    const rows = await this.db
      .selectFrom('replays')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toReplay);
  }

  async claim(now: number, leaseMs: number): Promise<Replay | undefined> {
    // Several processes may claim at once: the update succeeds for the one that still sees the lease it read.
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = await this.db
        .selectFrom('replays')
        .select(['id', 'lease_until'])
        .where('status', '=', 'running')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const claimed = await this.db
        .updateTable('replays')
        .set({ lease_until: now + leaseMs, updated_at: now })
        .where('id', '=', candidate.id)
        .where('status', '=', 'running')
        .where((eb) => (candidate.lease_until === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', candidate.lease_until)))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await this.db.selectFrom('replays').selectAll().where('id', '=', candidate.id).executeTakeFirstOrThrow();
        return toReplay(row);
      }
    }
    return undefined;
  }

  async advance(id: string, heldUntil: number, progress: ReplayProgress, leaseUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('replays')
      .set({ ...progressColumns(progress), lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_until', '=', heldUntil)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finish(id: string, heldUntil: number, outcome: { status: 'completed' | 'failed'; error?: string }, progress: ReplayProgress, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('replays')
      .set({ ...progressColumns(progress), status: outcome.status, error: outcome.error ?? null, lease_until: null, updated_at: now, finished_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_until', '=', heldUntil)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async noteCancelledProgress(id: string, progress: ReplayProgress, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('replays')
      .set({ ...progressColumns(progress), updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'cancelled')
      .where('read', '<', progress.read)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async cancel(workspaceId: string, id: string, now: number): Promise<Replay | undefined> {
    await this.db
      .updateTable('replays')
      .set({ status: 'cancelled', lease_until: null, updated_at: now, finished_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
    return this.get(workspaceId, id);
  }
}
