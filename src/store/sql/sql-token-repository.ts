import type { Kysely, Selectable } from 'kysely';
import type { ApiToken, RoleName } from '../../core/api-token.js';
import { newId, sha256Hex } from '../../core/ids.js';
import type { TokenRepository } from '../store.js';
import type { ApiTokenTable, Database } from './schema.js';

const TOUCH_INTERVAL_MS = 60_000;

function toToken(row: Selectable<ApiTokenTable>): ApiToken {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    role: row.role as RoleName,
    memberId: row.member_id,
    createdAt: Number(row.created_at),
    lastUsedAt: num(row.last_used_at),
    expiresAt: num(row.expires_at),
    revokedAt: num(row.revoked_at),
    replacedBy: row.replaced_by ?? null,
  };
}

export class SqlTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { workspaceId: string; name: string; secret: string; role: RoleName; memberId?: string | null; expiresAt?: number | null }): Promise<ApiToken> {
    const row = {
      id: newId('tok'),
      workspace_id: input.workspaceId,
      name: input.name,
      token_hash: sha256Hex(input.secret),
      role: input.role,
      member_id: input.memberId ?? null,
      created_at: Date.now(),
      last_used_at: null,
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
      replaced_by: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return toToken(row);
  }

  async authenticate(secret: string, now: number): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256Hex(secret)).executeTakeFirst();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) <= now)) return undefined;
    if (row.last_used_at === null || now - Number(row.last_used_at) > TOUCH_INTERVAL_MS) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      row.last_used_at = now;
    }
    return toToken(row);
  }

  async list(workspaceId: string): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
    return rows.map(toToken);
  }

  async revoke(workspaceId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markReplaced(workspaceId: string, id: string, replacedBy: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ replaced_by: replacedBy })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('replaced_by', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async expireBy(workspaceId: string, id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ expires_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
