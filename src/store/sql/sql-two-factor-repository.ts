import type { Kysely } from 'kysely';
import type { TwoFactorRecord, TwoFactorRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlTwoFactorRepository implements TwoFactorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(workspaceId: string, memberId: string): Promise<TwoFactorRecord | undefined> {
    const row = await this.db.selectFrom('member_two_factor').selectAll().where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).executeTakeFirst();
    if (!row) return undefined;
    return {
      workspaceId: row.workspace_id,
      memberId: row.member_id,
      sealedSecret: row.sealed_secret,
      createdAt: Number(row.created_at),
      enabledAt: row.enabled_at === null ? null : Number(row.enabled_at),
      lastStep: row.last_step === null ? null : Number(row.last_step),
    };
  }

  async begin(workspaceId: string, memberId: string, sealedSecret: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('member_two_factor').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).where('enabled_at', 'is', null).execute();
      const result = await trx
        .insertInto('member_two_factor')
        .values({ workspace_id: workspaceId, member_id: memberId, sealed_secret: sealedSecret, created_at: now, enabled_at: null, last_step: null })
        .onConflict((oc) => oc.columns(['workspace_id', 'member_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    });
  }

  async enable(workspaceId: string, memberId: string, step: number, codeHashes: readonly string[], now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('member_two_factor')
        .set({ enabled_at: now, last_step: step })
        .where('workspace_id', '=', workspaceId)
        .where('member_id', '=', memberId)
        .where('enabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('member_recovery_codes').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).execute();
      if (codeHashes.length > 0) {
        await trx.insertInto('member_recovery_codes').values(codeHashes.map((hash) => ({ workspace_id: workspaceId, member_id: memberId, code_hash: hash, created_at: now, used_at: null }))).execute();
      }
      return true;
    });
  }

  async useStep(workspaceId: string, memberId: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('member_two_factor')
      .set({ last_step: step })
      .where('workspace_id', '=', workspaceId)
      .where('member_id', '=', memberId)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async useRecoveryCode(workspaceId: string, memberId: string, codeHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('member_recovery_codes')
      .set({ used_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('member_id', '=', memberId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remainingRecoveryCodes(workspaceId: string, memberId: string): Promise<number> {
    const row = await this.db
      .selectFrom('member_recovery_codes')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('member_id', '=', memberId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async remove(workspaceId: string, memberId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('member_recovery_codes').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).execute();
      const result = await trx.deleteFrom('member_two_factor').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
