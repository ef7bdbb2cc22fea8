import type { Kysely } from 'kysely';
import type { SubjectFlag } from '../../core/privacy/subject-flag.js';
import { normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { SubjectFlagRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlSubjectFlagRepository implements SubjectFlagRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async set(flags: readonly SubjectFlag[]): Promise<SubjectFlag[]> {
    const added: SubjectFlag[] = [];
    for (const flag of flags) {
      const subject = normalizeIdentifier(flag.subject);
      const result = await this.db
        .insertInto('subject_flags')
        .values({ workspace_id: flag.workspaceId, subject_type: subject.type, subject: subject.value, flag: flag.flag, detail: flag.detail, created_at: flag.createdAt })
        .onConflict((oc) => oc.columns(['workspace_id', 'subject_type', 'subject', 'flag']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) added.push({ ...flag, subject });
    }
    return added;
  }

  async listUpTo(workspaceId: string, max: number): Promise<SubjectFlag[] | undefined> {
    const rows = await this.db.selectFrom('subject_flags').selectAll().where('workspace_id', '=', workspaceId).limit(max + 1).execute();
    if (rows.length > max) return undefined;
    return rows.map((row) => ({ workspaceId, subject: { type: row.subject_type as IdentifierType, value: row.subject }, flag: row.flag as SubjectFlag['flag'], detail: row.detail, createdAt: Number(row.created_at) }));
  }

  async list(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<SubjectFlag[]> {
    const out: SubjectFlag[] = [];
    const byType = new Map<string, Set<string>>();
    for (const s of subjects.map(normalizeIdentifier)) byType.set(s.type, (byType.get(s.type) ?? new Set()).add(s.value));
    for (const [type, set] of byType) {
      const values = [...set];
      for (let i = 0; i < values.length; i += 400) {
        const rows = await this.db.selectFrom('subject_flags').selectAll().where('workspace_id', '=', workspaceId).where('subject_type', '=', type).where('subject', 'in', values.slice(i, i + 400)).execute();
        for (const row of rows) {
          out.push({ workspaceId, subject: { type: row.subject_type as IdentifierType, value: row.subject }, flag: row.flag as SubjectFlag['flag'], detail: row.detail, createdAt: Number(row.created_at) });
        }
      }
    }
    return out;
  }

  async remove(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<number> {
    let removed = 0;
    for (const subject of subjects.map(normalizeIdentifier)) {
      const result = await this.db.deleteFrom('subject_flags').where('workspace_id', '=', workspaceId).where('subject_type', '=', subject.type).where('subject', '=', subject.value).executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }
}
