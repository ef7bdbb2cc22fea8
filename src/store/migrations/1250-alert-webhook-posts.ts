import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The alert webhook's outbox (src/alerts/alert-webhook-outbox.ts, decision 0106): each notice of an alert episode to a
 * workspace's webhook is a row, written before its first attempt and kept until it was delivered or given up, so a
 * restart or an outage of the receiver loses no alert. One row per episode, notice and receiver (the unique index: a
 * second process telling the same notice adds nothing). The URL and the body are sealed (the URL is a Slack webhook's
 * credential, a PagerDuty body carries the integration key). Both dialects.
 */
export const alertWebhookPosts: SchemaMigration = {
  name: '1250-alert-webhook-posts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('alert_webhook_posts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('notice_kind', 'text', (c) => c.notNull())
      .addColumn('receiver', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('sealed_url', 'text', (c) => c.notNull())
      .addColumn('sealed_body', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('claimed_until', 'bigint')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('alert_webhook_posts_once').on('alert_webhook_posts').columns(['alert_id', 'notice_kind', 'workspace_id', 'receiver']).unique().execute();
    await db.schema.createIndex('alert_webhook_posts_due').on('alert_webhook_posts').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('alert_webhook_posts_finished').on('alert_webhook_posts').column('finished_at').execute();
  },
};
