import type { Kysely, Selectable } from 'kysely';
import { ALERT_WEBHOOK_POST_STATES, type AlertWebhookPost, type AlertWebhookPostOutcome, type AlertWebhookPostRepository } from '../alert-webhook-post-repository.js';
import { chunks } from './chunks.js';
import type { AlertWebhookPostTable, Database } from './schema.js';

function postOf(row: Selectable<AlertWebhookPostTable>): AlertWebhookPost {
  const nullable = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    alertId: row.alert_id,
    noticeKind: row.notice_kind,
    receiver: row.receiver,
    format: row.format,
    sealedUrl: row.sealed_url,
    sealedBody: row.sealed_body,
    state: ALERT_WEBHOOK_POST_STATES.find((s) => s === row.state) ?? 'given_up',
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    nextAttemptAt: Number(row.next_attempt_at),
    lastAttemptAt: nullable(row.last_attempt_at),
    lastStatus: nullable(row.last_status),
    lastError: row.last_error,
    finishedAt: nullable(row.finished_at),
  };
}

export class SqlAlertWebhookPostRepository implements AlertWebhookPostRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(post: Parameters<AlertWebhookPostRepository['add']>[0], claimedUntil: number): Promise<boolean> {
    // The unique index (episode, notice, workspace, receiver) turns a second telling into nothing.
    const result = await this.db
      .insertInto('alert_webhook_posts')
      .values({
        id: post.id,
        workspace_id: post.workspaceId,
        alert_id: post.alertId,
        notice_kind: post.noticeKind,
        receiver: post.receiver,
        format: post.format,
        sealed_url: post.sealedUrl,
        sealed_body: post.sealedBody,
        state: 'pending',
        attempts: 0,
        created_at: post.createdAt,
        next_attempt_at: post.nextAttemptAt,
        claimed_until: claimedUntil,
        last_attempt_at: null,
        last_status: null,
        last_error: null,
        finished_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async claimDue(now: number, claimedUntil: number, limit: number): Promise<AlertWebhookPost[]> {
    const due = await this.db
      .selectFrom('alert_webhook_posts')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: AlertWebhookPost[] = [];
    for (const { id } of due) {
      // A claim is an update that only one process's condition still meets.
      const row = await this.db
        .updateTable('alert_webhook_posts')
        .set({ claimed_until: claimedUntil })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push(postOf(row));
    }
    return claimed;
  }

  async record(id: string, outcome: AlertWebhookPostOutcome): Promise<void> {
    const attempted = outcome.state !== 'given_up' || outcome.attempted;
    await this.db
      .updateTable('alert_webhook_posts')
      .set((eb) => ({
        state: outcome.state,
        claimed_until: null,
        ...(attempted && { attempts: eb('attempts', '+', 1), last_attempt_at: outcome.at }),
        last_status: outcome.status,
        last_error: outcome.state === 'delivered' ? null : outcome.error,
        ...(outcome.state === 'pending' ? { next_attempt_at: outcome.nextAttemptAt } : { finished_at: outcome.at }),
      }))
      .where('id', '=', id)
      .execute();
  }

  async ofAlerts(workspaceId: string, alertIds: readonly string[]): Promise<AlertWebhookPost[]> {
    const rows: AlertWebhookPost[] = [];
    for (const ids of chunks([...new Set(alertIds)])) {
      const found = await this.db.selectFrom('alert_webhook_posts').selectAll().where('workspace_id', '=', workspaceId).where('alert_id', 'in', ids).orderBy('created_at').orderBy('id').execute();
      rows.push(...found.map(postOf));
    }
    return rows.sort((a, b) => a.createdAt - b.createdAt);
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('alert_webhook_posts').where('finished_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
