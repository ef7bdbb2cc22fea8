import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { PolicyVersion } from '../../core/member.js';
import type { PolicyRepository } from '../store.js';
import type { Database, PolicyVersionTable } from './schema.js';

function toPolicy(row: Selectable<PolicyVersionTable>): PolicyVersion {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    version: Number(row.version),
    title: row.title,
    text: row.text,
    url: row.url,
    effectiveAt: Number(row.effective_at),
    material: Number(row.material) === 1,
    publishedAt: Number(row.published_at),
    publishedBy: row.published_by,
  };
}

/** Privacy-policy versions (numbered 1, 2, ... per workspace) and members' acceptances. */
export class SqlPolicyRepository implements PolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async publish(input: { workspaceId: string; title: string; text: string | null; url: string | null; effectiveAt: number; material: boolean; publishedBy: string }): Promise<PolicyVersion> {
    return this.db.transaction().execute(async (trx) => {
      const last = await trx.selectFrom('policy_versions').select((eb) => eb.fn.max('version').as('v')).where('workspace_id', '=', input.workspaceId).executeTakeFirst();
      const row = {
        id: newId('pol'),
        workspace_id: input.workspaceId,
        version: Number(last?.v ?? 0) + 1,
        title: input.title,
        text: input.text,
        url: input.url,
        effective_at: input.effectiveAt,
        material: input.material ? 1 : 0,
        published_at: Date.now(),
        published_by: input.publishedBy,
      };
      await trx.insertInto('policy_versions').values(row).execute();
      return toPolicy(row);
    });
  }

  async list(workspaceId: string): Promise<PolicyVersion[]> {
    const rows = await this.db.selectFrom('policy_versions').selectAll().where('workspace_id', '=', workspaceId).orderBy('version', 'desc').execute();
    return rows.map(toPolicy);
  }

  async get(workspaceId: string, id: string): Promise<PolicyVersion | undefined> {
    const row = await this.db.selectFrom('policy_versions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async inForce(workspaceId: string, at: number): Promise<PolicyVersion | undefined> {
    const row = await this.db.selectFrom('policy_versions').selectAll().where('workspace_id', '=', workspaceId).where('effective_at', '<=', at).orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async accept(input: { workspaceId: string; memberId: string; policyVersionId: string; at: number; ip: string | null }): Promise<void> {
    await this.db
      .insertInto('policy_acceptances')
      .values({ workspace_id: input.workspaceId, member_id: input.memberId, policy_version_id: input.policyVersionId, accepted_at: input.at, ip: input.ip })
      .onConflict((oc) => oc.columns(['member_id', 'policy_version_id']).doNothing())
      .execute();
  }

  async acceptances(workspaceId: string, filter: { memberId?: string; policyVersionId?: string }): Promise<{ memberId: string; policyVersionId: string; acceptedAt: number; ip: string | null }[]> {
    let query = this.db.selectFrom('policy_acceptances').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.memberId !== undefined) query = query.where('member_id', '=', filter.memberId);
    if (filter.policyVersionId !== undefined) query = query.where('policy_version_id', '=', filter.policyVersionId);
    const rows = await query.orderBy('accepted_at').execute();
    return rows.map((r) => ({ memberId: r.member_id, policyVersionId: r.policy_version_id, acceptedAt: Number(r.accepted_at), ip: r.ip }));
  }

  async deleteAcceptancesOf(workspaceId: string, memberId: string): Promise<void> {
    await this.db.deleteFrom('policy_acceptances').where('workspace_id', '=', workspaceId).where('member_id', '=', memberId).execute();
  }
}
