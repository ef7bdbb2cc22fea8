import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Selectable, Transaction, Updateable, UpdateQueryBuilder } from 'kysely';
import { isLanguage } from '../../core/i18n/languages.js';
import type { Regulation } from '../../privacy/requests/deadlines.js';
import { NEW_LINK_CODE_PREFIX } from '../../privacy/requests/email-codes.js';
import type { PrivacyRequestRepository, RequestGuard, RequestListFilter, RequestPatch, VerificationCodeRecord } from '../../privacy/requests/request-repository.js';
import type { AuthorizedAgent, ClosedWithoutDecision, PrivacyRequest, RequestChannel, RequestParams, RequestStatus, RequestSubject, RequestTransition, RequestType } from '../../privacy/requests/request.js';
import type { Database, PrivacyRequestCodeTable, PrivacyRequestTable, PrivacyRequestTransitionTable } from './schema.js';

function num(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function toRequest(row: Selectable<PrivacyRequestTable>): PrivacyRequest {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    type: row.type as RequestType,
    status: row.status as RequestStatus,
    regulation: row.regulation as Regulation,
    subject: JSON.parse(row.subject) as RequestSubject,
    params: JSON.parse(row.params) as RequestParams,
    channel: row.channel as RequestChannel,
    verified: Number(row.verified) === 1,
    verifiedBy: row.verified_by,
    agent: row.agent === null ? null : (JSON.parse(row.agent) as AuthorizedAgent),
    contactEmail: row.contact_email,
    createdBy: row.created_by,
    receivedAt: Number(row.received_at),
    dueAt: Number(row.due_at),
    receiptDueAt: Number(row.receipt_due_at),
    receiptConfirmedAt: num(row.receipt_confirmed_at),
    extendedAt: num(row.extended_at),
    extensionReason: row.extension_reason,
    respondedAt: num(row.responded_at),
    denialReason: row.denial_reason,
    failure: row.failure,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    attempts: Number(row.attempts),
    retainUntil: num(row.retain_until),
    updatedAt: Number(row.updated_at),
    ...(row.work_state !== null && row.work_state !== undefined && { workState: JSON.parse(row.work_state) as unknown }),
    ...(row.status_check_at !== null && { statusCheckAt: Number(row.status_check_at) }),
    ...(row.closed_without_decision !== null && row.closed_without_decision !== undefined && { closedWithoutDecision: row.closed_without_decision as ClosedWithoutDecision }),
    language: isLanguage(row.language) ? row.language : 'en',
  };
}

function toRow(r: PrivacyRequest): PrivacyRequestTable {
  return {
    id: r.id,
    workspace_id: r.workspaceId,
    type: r.type,
    status: r.status,
    regulation: r.regulation,
    subject: JSON.stringify(r.subject),
    params: JSON.stringify(r.params),
    channel: r.channel,
    verified: r.verified ? 1 : 0,
    verified_by: r.verifiedBy,
    agent: r.agent === null ? null : JSON.stringify(r.agent),
    contact_email: r.contactEmail,
    created_by: r.createdBy,
    received_at: r.receivedAt,
    due_at: r.dueAt,
    receipt_due_at: r.receiptDueAt,
    receipt_confirmed_at: r.receiptConfirmedAt,
    extended_at: r.extendedAt,
    extension_reason: r.extensionReason,
    responded_at: r.respondedAt,
    denial_reason: r.denialReason,
    failure: r.failure,
    result: r.result === null || r.result === undefined ? null : JSON.stringify(r.result),
    attempts: r.attempts,
    next_attempt_at: null,
    lease_until: null,
    retain_until: r.retainUntil,
    status_check_at: r.statusCheckAt ?? null,
    updated_at: r.updatedAt,
    work_state: r.workState === undefined || r.workState === null ? null : JSON.stringify(r.workState),
    closed_without_decision: r.closedWithoutDecision ?? null,
    language: r.language,
  };
}

function patchRow(p: RequestPatch): Updateable<PrivacyRequestTable> {
  const row: Updateable<PrivacyRequestTable> = {};
  if (p.verified !== undefined) row.verified = p.verified ? 1 : 0;
  if (p.verifiedBy !== undefined) row.verified_by = p.verifiedBy;
  if (p.dueAt !== undefined) row.due_at = p.dueAt;
  if (p.receiptConfirmedAt !== undefined) row.receipt_confirmed_at = p.receiptConfirmedAt;
  if (p.extendedAt !== undefined) row.extended_at = p.extendedAt;
  if (p.extensionReason !== undefined) row.extension_reason = p.extensionReason;
  if (p.respondedAt !== undefined) row.responded_at = p.respondedAt;
  if (p.denialReason !== undefined) row.denial_reason = p.denialReason;
  if (p.failure !== undefined) row.failure = p.failure;
  if (p.result !== undefined) row.result = p.result === null ? null : JSON.stringify(p.result);
  if (p.attempts !== undefined) row.attempts = p.attempts;
  if (p.retainUntil !== undefined) row.retain_until = p.retainUntil;
  if (p.contactEmail !== undefined) row.contact_email = p.contactEmail;
  if (p.nextAttemptAt !== undefined) row.next_attempt_at = p.nextAttemptAt;
  if (p.leaseUntil !== undefined) row.lease_until = p.leaseUntil;
  if (p.workState !== undefined) row.work_state = p.workState === null ? null : JSON.stringify(p.workState);
  if (p.statusCheckAt !== undefined) row.status_check_at = p.statusCheckAt;
  if (p.closedWithoutDecision !== undefined) row.closed_without_decision = p.closedWithoutDecision;
  return row;
}

function transitionRow(workspaceId: string, t: RequestTransition): Omit<PrivacyRequestTransitionTable, 'seq'> {
  return { workspace_id: workspaceId, request_id: t.requestId, from_status: t.from, to_status: t.to, action: t.action, actor: t.actor, note: t.note, at: t.at };
}

function toCode(row: Selectable<PrivacyRequestCodeTable>): VerificationCodeRecord {
  return { requestId: row.request_id, workspaceId: row.workspace_id, codeHash: row.code_hash, expiresAt: Number(row.expires_at), attemptsLeft: Number(row.attempts_left), createdAt: Number(row.created_at) };
}

/** The stored text of a request's result read for a guarded write, `{ text }`, when its value is the guard's; false when it is not (or no such request). */
async function storedResultIf(tx: Transaction<Database>, workspaceId: string, id: string, guard: RequestGuard): Promise<{ text: string | null } | false> {
  const row = await tx.selectFrom('privacy_requests').select('result').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) return false;
  const value: unknown = row.result === null ? null : JSON.parse(row.result);
  // As JSON values: the guard's as it would be stored (a property holding undefined is not stored).
  const expected: unknown = guard.result === undefined || guard.result === null ? null : JSON.parse(JSON.stringify(guard.result));
  return isDeepStrictEqual(value, expected) ? { text: row.result } : false;
}

/**
 * The update, made conditional on the result's text being still the one read: compare-and-set, so that of two
 * writers that read the same result only the first changes it (PostgreSQL re-checks the condition on the row a
 * concurrent transaction committed; SQLite's transactions take the write lock first).
 */
function unchangedSince<O>(update: UpdateQueryBuilder<Database, 'privacy_requests', 'privacy_requests', O>, stored: { text: string | null } | undefined): UpdateQueryBuilder<Database, 'privacy_requests', 'privacy_requests', O> {
  if (stored === undefined) return update;
  return stored.text === null ? update.where('result', 'is', null) : update.where('result', '=', stored.text);
}

/** 24 months at their longest (731 days), the least an answered request's record is kept. */
const ANSWER_RECORD_MIN_MS = 731 * 86_400_000;

export class SqlPrivacyRequestRepository implements PrivacyRequestRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(request: PrivacyRequest, transition: RequestTransition): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('privacy_requests').values(toRow(request)).execute();
      await tx.insertInto('privacy_request_transitions').values(transitionRow(request.workspaceId, transition)).execute();
    });
  }

  async get(workspaceId: string, id: string): Promise<PrivacyRequest | undefined> {
    const row = await this.db.selectFrom('privacy_requests').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toRequest(row) : undefined;
  }

  async list(workspaceId: string, filter: RequestListFilter): Promise<PrivacyRequest[]> {
    let q = this.db.selectFrom('privacy_requests').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.status && filter.status.length > 0) q = q.where('status', 'in', [...filter.status]);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    if (filter.contactEmail !== undefined) q = q.where((eb) => eb(eb.fn('lower', ['contact_email']), '=', filter.contactEmail!.toLowerCase()));
    if (filter.dueBefore !== undefined) q = q.where('due_at', '<', filter.dueBefore);
    if (filter.receivedFrom !== undefined) q = q.where('received_at', '>=', filter.receivedFrom);
    if (filter.receivedTo !== undefined) q = q.where('received_at', '<', filter.receivedTo);
    q = filter.order === 'due' ? q.orderBy('due_at', 'asc').orderBy('id', 'asc') : q.orderBy('received_at', 'desc').orderBy('id', 'desc');
    const rows = await q.limit(filter.limit).execute();
    return rows.map(toRequest);
  }

  async transition(workspaceId: string, id: string, from: RequestStatus, patch: RequestPatch, transition: RequestTransition, guard?: RequestGuard): Promise<PrivacyRequest | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const stored = guard ? await storedResultIf(tx, workspaceId, id, guard) : undefined;
      if (stored === false) return undefined;
      const update = tx
        .updateTable('privacy_requests')
        .set({ ...patchRow(patch), status: transition.to, updated_at: transition.at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('status', '=', from);
      const result = await unchangedSince(update, stored).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      await tx.insertInto('privacy_request_transitions').values(transitionRow(workspaceId, transition)).execute();
      const row = await tx.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return toRequest(row);
    });
  }

  async transitions(workspaceId: string, id: string): Promise<RequestTransition[]> {
    const rows = await this.db
      .selectFrom('privacy_request_transitions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('request_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      requestId: r.request_id,
      from: r.from_status as RequestStatus | null,
      to: r.to_status as RequestStatus,
      action: r.action,
      actor: r.actor,
      note: r.note,
      at: Number(r.at),
    }));
  }

  async claimRunnable(now: number, leaseMs: number): Promise<PrivacyRequest | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = await this.db
        .selectFrom('privacy_requests')
        .select(['id', 'lease_until'])
        .where('status', '=', 'processing')
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('received_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const claimed = await this.db
        .updateTable('privacy_requests')
        .set({ lease_until: now + leaseMs })
        .where('id', '=', candidate.id)
        .where('status', '=', 'processing')
        .where((eb) => (candidate.lease_until === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', candidate.lease_until)))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await this.db.selectFrom('privacy_requests').selectAll().where('id', '=', candidate.id).executeTakeFirstOrThrow();
        return toRequest(row);
      }
    }
    return undefined;
  }

  async claimStatusCheck(now: number, leaseMs: number): Promise<PrivacyRequest | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = await this.db
        .selectFrom('privacy_requests')
        .select(['id', 'status_check_at'])
        .where('status_check_at', '<=', now)
        // A failed deletion being retried is checked again once it has ended (with its new certificate).
        .where('status', 'in', ['completed', 'failed'])
        .orderBy('status_check_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      // Leased by moving the next check past the lease: a process that dies mid-check leaves it due again then.
      const claimed = await this.db
        .updateTable('privacy_requests')
        .set({ status_check_at: now + leaseMs })
        .where('id', '=', candidate.id)
        .where('status_check_at', '=', candidate.status_check_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await this.db.selectFrom('privacy_requests').selectAll().where('id', '=', candidate.id).executeTakeFirstOrThrow();
        return toRequest(row);
      }
    }
    return undefined;
  }

  async saveStatusCheck(workspaceId: string, id: string, result: unknown, statusCheckAt: number | null, guard?: RequestGuard): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const stored = guard ? await storedResultIf(tx, workspaceId, id, guard) : undefined;
      if (stored === false) return false;
      const update = tx
        .updateTable('privacy_requests')
        .set({ result: JSON.stringify(result), status_check_at: statusCheckAt })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id);
      return Number((await unchangedSince(update, stored).executeTakeFirst()).numUpdatedRows) === 1;
    });
  }

  async saveWorkState(workspaceId: string, id: string, state: unknown): Promise<void> {
    await this.db.updateTable('privacy_requests').set({ work_state: state === null || state === undefined ? null : JSON.stringify(state) }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
  }

  async putCode(record: VerificationCodeRecord): Promise<void> {
    const row = { request_id: record.requestId, workspace_id: record.workspaceId, code_hash: record.codeHash, expires_at: record.expiresAt, attempts_left: record.attemptsLeft, created_at: record.createdAt };
    await this.db
      .insertInto('privacy_request_codes')
      .values(row)
      .onConflict((oc) => oc.column('request_id').doUpdateSet({ code_hash: row.code_hash, expires_at: row.expires_at, attempts_left: row.attempts_left, created_at: row.created_at }))
      .execute();
  }

  async getCode(workspaceId: string, requestId: string): Promise<VerificationCodeRecord | undefined> {
    const row = await this.db.selectFrom('privacy_request_codes').selectAll().where('workspace_id', '=', workspaceId).where('request_id', '=', requestId).executeTakeFirst();
    return row ? toCode(row) : undefined;
  }

  async consumeCodeAttempt(workspaceId: string, requestId: string): Promise<VerificationCodeRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('privacy_request_codes').selectAll().where('workspace_id', '=', workspaceId).where('request_id', '=', requestId).executeTakeFirst();
      if (!row || Number(row.attempts_left) <= 0) return undefined;
      const updated = await tx
        .updateTable('privacy_request_codes')
        .set({ attempts_left: Number(row.attempts_left) - 1 })
        .where('request_id', '=', requestId)
        .where('attempts_left', '=', row.attempts_left)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1 ? toCode(row) : undefined;
    });
  }

  async deleteCode(workspaceId: string, requestId: string): Promise<void> {
    await this.db.deleteFrom('privacy_request_codes').where('workspace_id', '=', workspaceId).where('request_id', '=', requestId).execute();
  }

  async deleteExpired(now: number): Promise<number> {
    // A new download link's code belongs to no request (subject-new-links.ts): one never used goes once expired.
    await this.db.deleteFrom('privacy_request_codes').where('request_id', 'like', `${NEW_LINK_CODE_PREFIX}_%`).where('expires_at', '<', now).execute();
    return this.db.transaction().execute(async (tx) => {
      // Only answered requests, 24 months after the answer (CCPA 7101). Rows of earlier versions carry a
      // retain_until counted from receipt, also on open requests: the status and the answer's age guard them.
      const expired = await tx
        .selectFrom('privacy_requests')
        .select(['id'])
        .where('retain_until', '<', now)
        .where('status', 'in', ['completed', 'denied'])
        .where('responded_at', '<=', now - ANSWER_RECORD_MIN_MS)
        .limit(1000)
        .execute();
      if (expired.length === 0) return 0;
      const ids = expired.map((r) => r.id);
      await tx.deleteFrom('privacy_request_transitions').where('request_id', 'in', ids).execute();
      await tx.deleteFrom('privacy_request_codes').where('request_id', 'in', ids).execute();
      await tx.deleteFrom('subject_emails').where('request_id', 'in', ids).execute();
      await tx.deleteFrom('privacy_requests').where('id', 'in', ids).execute();
      return ids.length;
    });
  }
}
