import type { Kysely } from 'kysely';
import { serialType, type SchemaMigration, type SqlDialectName } from './migration.js';

export const foundation: SchemaMigration = {
  name: '0001-foundation',
  async up(db: Kysely<unknown>, dialect: SqlDialectName) {
    await db.schema
      .createTable('installation')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('workspaces')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_tokens_workspace').on('api_tokens').columns(['workspace_id']).execute();
    await db.schema
      .createTable('sources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('write_key', 'text', (c) => c.notNull().unique())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sources_workspace').on('sources').columns(['workspace_id']).execute();
    await db.schema
      .createTable('events')
      .addColumn('seq', serialType(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('event_name', 'text')
      .addColumn('user_id', 'text')
      .addColumn('anonymous_id', 'text')
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_source_message').on('events').columns(['source_id', 'message_id']).unique().execute();
    await db.schema.createIndex('events_workspace_seq').on('events').columns(['workspace_id', 'seq']).execute();
    await db.schema.createIndex('events_workspace_user').on('events').columns(['workspace_id', 'user_id', 'seq']).execute();
    await db.schema.createIndex('events_workspace_anonymous').on('events').columns(['workspace_id', 'anonymous_id', 'seq']).execute();
    await db.schema.createIndex('events_received_at').on('events').columns(['received_at']).execute();
  },
};
