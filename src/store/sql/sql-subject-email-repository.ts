import type { Kysely, Selectable } from 'kysely';
import { isLanguage } from '../../core/i18n/languages.js';
import {
  SUBJECT_EMAIL_KINDS,
  SUBJECT_EMAIL_STATUSES,
  type NewSubjectEmail,
  type SubjectEmail,
  type SubjectEmailOutcome,
  type SubjectEmailRepository,
} from '../../privacy/requests/subject-email-repository.js';
import { chunks } from './chunks.js';
import type { Database, SubjectEmailTable } from './schema.js';

function emailOf(row: Selectable<SubjectEmailTable>): SubjectEmail {
  const nullable = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    seq: Number(row.seq),
    workspaceId: row.workspace_id,
    requestId: row.request_id,
    kind: SUBJECT_EMAIL_KINDS.find((k) => k === row.kind) ?? 'completion',
    language: isLanguage(row.language) ? row.language : 'en',
    subject: row.subject,
    sealedTo: row.sealed_to,
    sealedBody: row.sealed_body,
    status: SUBJECT_EMAIL_STATUSES.find((s) => s === row.status) ?? 'gave_up',
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    nextAttemptAt: Number(row.next_attempt_at),
    firstAttemptAt: nullable(row.first_attempt_at),
    lastAttemptAt: nullable(row.last_attempt_at),
    lastError: row.last_error,
    sentAt: nullable(row.sent_at),
    gaveUpAt: nullable(row.gave_up_at),
    sentAgainBy: row.sent_again_by,
    sentAgainAt: nullable(row.sent_again_at),
  };
}

const UNFINISHED = ['queued', 'retrying'];

export class SqlSubjectEmailRepository implements SubjectEmailRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(email: NewSubjectEmail): Promise<SubjectEmail> {
    const row = await this.db
      .insertInto('subject_emails')
      .values({
        id: email.id,
        workspace_id: email.workspaceId,
        request_id: email.requestId,
        kind: email.kind,
        language: email.language,
        subject: email.subject,
        sealed_to: email.sealedTo,
        sealed_body: email.sealedBody,
        status: 'queued',
        attempts: 0,
        created_at: email.createdAt,
        next_attempt_at: email.createdAt,
        claimed_until: null,
        first_attempt_at: null,
        last_attempt_at: null,
        last_error: null,
        sent_at: null,
        gave_up_at: null,
        sent_again_by: null,
        sent_again_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return emailOf(row);
  }

  async claimDue(now: number, claimedUntil: number, limit: number): Promise<SubjectEmail[]> {
    const due = await this.db
      .selectFrom('subject_emails as e')
      .select('e.id')
      .where('e.status', 'in', UNFINISHED)
      .where('e.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('e.claimed_until', 'is', null), eb('e.claimed_until', '<', now)]))
      // Order per request: a later email waits while an earlier one of its request is on its way.
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('subject_emails as earlier').select('earlier.seq').whereRef('earlier.request_id', '=', 'e.request_id').whereRef('earlier.seq', '<', 'e.seq').where('earlier.status', 'in', UNFINISHED))),
      )
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    const claimed: SubjectEmail[] = [];
    for (const { id } of due) {
      // A claim is an update that only one process's condition still meets.
      const row = await this.db
        .updateTable('subject_emails')
        .set({ claimed_until: claimedUntil })
        .where('id', '=', id)
        .where('status', 'in', UNFINISHED)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push(emailOf(row));
    }
    return claimed;
  }

  async record(id: string, outcome: SubjectEmailOutcome): Promise<void> {
    const attempted = outcome.status !== 'gave_up' || outcome.attempted;
    await this.db
      .updateTable('subject_emails')
      .set((eb) => ({
        status: outcome.status,
        claimed_until: null,
        ...(attempted && { attempts: eb('attempts', '+', 1), last_attempt_at: outcome.at, first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(outcome.at)) }),
        ...(outcome.status === 'sent' && { sent_at: outcome.at, last_error: null, sealed_to: '', sealed_body: '' }),
        ...(outcome.status === 'retrying' && { next_attempt_at: outcome.nextAttemptAt, last_error: outcome.error }),
        ...(outcome.status === 'gave_up' && { gave_up_at: outcome.at, last_error: outcome.error }),
      }))
      .where('id', '=', id)
      .execute();
  }

  async ofRequest(workspaceId: string, requestId: string): Promise<SubjectEmail[]> {
    const rows = await this.db.selectFrom('subject_emails').selectAll().where('workspace_id', '=', workspaceId).where('request_id', '=', requestId).orderBy('seq').execute();
    return rows.map(emailOf);
  }

  async ofRequests(workspaceId: string, requestIds: readonly string[]): Promise<SubjectEmail[]> {
    const found: SubjectEmail[] = [];
    for (const ids of chunks([...new Set(requestIds)])) {
      const rows = await this.db.selectFrom('subject_emails').selectAll().where('workspace_id', '=', workspaceId).where('request_id', 'in', ids).orderBy('seq').execute();
      found.push(...rows.map(emailOf));
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  async get(workspaceId: string, id: string): Promise<SubjectEmail | undefined> {
    const row = await this.db.selectFrom('subject_emails').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row && emailOf(row);
  }

  async markSentAgain(workspaceId: string, id: string, by: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('subject_emails')
      .set({ sent_again_by: by, sent_again_at: at, sealed_to: '', sealed_body: '' })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('status', '=', 'gave_up')
      .where('sent_again_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async requestsWithGivenUp(workspaceId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('subject_emails')
      .select('request_id')
      .select((eb) => eb.fn.max('seq').as('latest'))
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'gave_up')
      .where('sent_again_at', 'is', null)
      // A receipt given up is moot once the request's receipt was confirmed (a later email went out, or the team
      // confirmed it another way).
      .where((eb) =>
        eb.or([
          eb('kind', '!=', 'receipt'),
          eb.not(
            eb.exists(
              eb
                .selectFrom('privacy_requests')
                .select('privacy_requests.id')
                .whereRef('privacy_requests.id', '=', 'subject_emails.request_id')
                .whereRef('privacy_requests.workspace_id', '=', 'subject_emails.workspace_id')
                .where('privacy_requests.receipt_confirmed_at', 'is not', null),
            ),
          ),
        ]),
      )
      .groupBy('request_id')
      .orderBy('latest', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.request_id);
  }
}
