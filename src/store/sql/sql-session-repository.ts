import type { Kysely, Selectable } from 'kysely';
import { newId, sha256Hex } from '../../core/ids.js';
import type { AccountLink, AccountLinkPurpose, Session } from '../../core/member.js';
import type { SessionRepository } from '../store.js';
import type { Database, SessionTable } from './schema.js';

function toSession(row: Selectable<SessionTable>): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    memberId: row.member_id,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    ip: row.ip,
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    userAgent: row.user_agent,
  };
}

/** A session's last use is written at most this often (not on every request). */
const LAST_USED_GRANULARITY_MS = 60_000;
const MAX_USER_AGENT = 300;

/** Console sessions and one-time account links; both stored by the SHA-256 of their secret. */
export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { workspaceId: string; memberId: string; secret: string; csrfToken: string; expiresAt: number; ip: string | null; userAgent?: string | null }): Promise<Session> {
    const row = {
      secret_hash: sha256Hex(input.secret),
      id: newId('sess'),
      workspace_id: input.workspaceId,
      member_id: input.memberId,
      csrf_token: input.csrfToken,
      created_at: Date.now(),
      expires_at: input.expiresAt,
      ip: input.ip,
      last_used_at: null,
      user_agent: input.userAgent ? input.userAgent.slice(0, MAX_USER_AGENT) : null,
    };
    await this.db.insertInto('sessions').values(row).execute();
    return toSession(row);
  }

  async authenticate(secret: string, now: number): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('secret_hash', '=', sha256Hex(secret)).executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    if (row.last_used_at === null || Number(row.last_used_at) <= now - LAST_USED_GRANULARITY_MS) {
      await this.db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', row.id).execute();
      return toSession({ ...row, last_used_at: now });
    }
    return toSession(row);
  }

  async end(workspaceId: string, memberId: string, sessionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).where('id', '=', sessionId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async revoke(secret: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('secret_hash', '=', sha256Hex(secret)).execute();
  }

  async revokeAllOf(workspaceId: string, memberId: string, exceptSessionId?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId);
    if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listOf(workspaceId: string, memberId: string): Promise<Session[]> {
    const rows = await this.db.selectFrom('sessions').selectAll().where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).orderBy('created_at').execute();
    return rows.map(toSession);
  }

  async createLink(input: { secret: string; workspaceId: string; memberId: string | null; purpose: AccountLinkPurpose; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('account_links')
      .values({ secret_hash: sha256Hex(input.secret), workspace_id: input.workspaceId, member_id: input.memberId, purpose: input.purpose, created_at: Date.now(), expires_at: input.expiresAt, used_at: null })
      .execute();
  }

  async peekLink(secret: string, purpose: AccountLinkPurpose, now: number): Promise<AccountLink | undefined> {
    const row = await this.db
      .selectFrom('account_links')
      .selectAll()
      .where('secret_hash', '=', sha256Hex(secret))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row ? { workspaceId: row.workspace_id, memberId: row.member_id, purpose: row.purpose as AccountLinkPurpose, expiresAt: Number(row.expires_at), usedAt: null } : undefined;
  }

  async consumeLink(secret: string, purpose: AccountLinkPurpose, now: number): Promise<AccountLink | undefined> {
    const hash = sha256Hex(secret);
    const result = await this.db
      .updateTable('account_links')
      .set({ used_at: now })
      .where('secret_hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    const row = await this.db.selectFrom('account_links').selectAll().where('secret_hash', '=', hash).executeTakeFirstOrThrow();
    return { workspaceId: row.workspace_id, memberId: row.member_id, purpose: row.purpose as AccountLinkPurpose, expiresAt: Number(row.expires_at), usedAt: now };
  }

  async invalidateLinks(workspaceId: string, memberId: string, now: number): Promise<void> {
    await this.db.updateTable('account_links').set({ used_at: now }).where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).where('used_at', 'is', null).execute();
  }
}
