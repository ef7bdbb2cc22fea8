import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A denied privacy request that was closed without a decision on it says so (`closed_without_decision`):
 * `superseded` (the subject made the same request again on the hosted page before verifying it) or
 * `never_verified` (the unverified sweep closed it: the emailed code was never entered). The request metrics
 * (CCPA 11 CCR 7102) count them apart from denials. Requests closed so before are marked from their history: the
 * `superseded` step, and the sweep's denial (by `system`, from `verifying`, with its reason's fixed opening).
 */
export const requestClosedWithoutDecision: SchemaMigration = {
  name: '1180-request-closed-without-decision',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('privacy_requests').addColumn('closed_without_decision', 'text').execute();
    await sql`UPDATE privacy_requests SET closed_without_decision = 'superseded'
      WHERE status = 'denied' AND id IN (SELECT request_id FROM privacy_request_transitions WHERE action = 'superseded')`.execute(db);
    await sql`UPDATE privacy_requests SET closed_without_decision = 'never_verified'
      WHERE status = 'denied' AND closed_without_decision IS NULL AND channel = 'subject_portal' AND id IN (
        SELECT request_id FROM privacy_request_transitions
        WHERE action = 'denied' AND from_status = 'verifying' AND actor = 'system'
          AND note LIKE 'Your identity could not be verified: the code we emailed was not entered within %')`.execute(db);
  },
};
