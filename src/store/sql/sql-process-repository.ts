import type { Kysely, Selectable } from 'kysely';
import { ROLES, type Role } from '../../config/config.js';
import type { ProcessBeat, ProcessRepository } from '../process-repository.js';
import type { Database, ProcessHeartbeatTable } from './schema.js';

function beatOf(row: Selectable<ProcessHeartbeatTable>): ProcessBeat {
  return {
    id: row.id,
    roles: row.roles.split(',').filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    host: row.host,
    pid: Number(row.pid),
    version: row.version,
    startedAt: Number(row.started_at),
    seenAt: Number(row.seen_at),
  };
}

export class SqlProcessRepository implements ProcessRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async beat(beat: ProcessBeat): Promise<void> {
    const row = { id: beat.id, roles: beat.roles.join(','), host: beat.host, pid: beat.pid, version: beat.version, started_at: beat.startedAt, seen_at: beat.seenAt };
    await this.db
      .insertInto('process_heartbeats')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: beat.seenAt }))
      .execute();
  }

  async seenSince(since: number): Promise<ProcessBeat[]> {
    const rows = await this.db.selectFrom('process_heartbeats').selectAll().where('seen_at', '>=', since).orderBy('started_at', 'desc').execute();
    return rows.map(beatOf);
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('process_heartbeats').where('id', '=', id).execute();
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('process_heartbeats').where('seen_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
