import type { Kysely } from 'kysely';
import type { ProcessingMark, ProcessingMarkRepository } from '../processing-mark-repository.js';
import type { Database } from './schema.js';

export class SqlProcessingMarkRepository implements ProcessingMarkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<ProcessingMark[]> {
    const rows = await this.db.selectFrom('processing_marks').selectAll().orderBy('mark').execute();
    return rows.map((r) => ({ mark: Number(r.mark), at: Number(r.at), checkedAt: Number(r.checked_at), markingSince: Number(r.marking_since) }));
  }

  async note(mark: ProcessingMark): Promise<void> {
    await this.db
      .insertInto('processing_marks')
      .values({ mark: mark.mark, at: mark.at, checked_at: mark.checkedAt, marking_since: mark.markingSince })
      .onConflict((oc) => oc.column('mark').doUpdateSet((eb) => ({ checked_at: eb.ref('excluded.checked_at'), marking_since: eb.ref('excluded.marking_since') })))
      .execute();
  }

  async forgetBelow(mark: number): Promise<void> {
    await this.db.deleteFrom('processing_marks').where('mark', '<', mark).execute();
  }

  async forgetAll(): Promise<void> {
    await this.db.deleteFrom('processing_marks').execute();
  }
}
