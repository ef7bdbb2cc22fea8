import type { Kysely, Selectable } from 'kysely';
import type { RoleName } from '../../core/api-token.js';
import { newId } from '../../core/ids.js';
import type { Member, MemberStatus } from '../../core/member.js';
import type { MemberPatch, MemberRepository, NewMember } from '../store.js';
import type { Database, MemberTable } from './schema.js';

function toMember(row: Selectable<MemberTable>): Member {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    name: row.name,
    role: row.role as RoleName,
    status: row.status as MemberStatus,
    hasPassword: row.password_hash !== null,
    mustResetPassword: Number(row.must_reset_password) === 1,
    profileLocked: Number(row.profile_locked) === 1,
    productEmailsOptOut: Number(row.product_emails_opt_out) === 1,
    deliveryAlertEmailsOptOut: Number(row.delivery_alert_emails_opt_out) === 1,
    failedLogins: Number(row.failed_logins),
    lockedUntil: num(row.locked_until),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastLoginAt: num(row.last_login_at),
  };
}

const flag = (v: boolean) => (v ? 1 : 0);

export class SqlMemberRepository implements MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewMember): Promise<Member> {
    const now = Date.now();
    const row: Selectable<MemberTable> = {
      id: newId('mem'),
      workspace_id: input.workspaceId,
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      status: input.status,
      password_hash: input.passwordHash ?? null,
      must_reset_password: 0,
      profile_locked: 0,
      product_emails_opt_out: 0,
      delivery_alert_emails_opt_out: 0,
      failed_logins: 0,
      locked_until: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    await this.db.insertInto('members').values(row).execute();
    return toMember(row);
  }

  async get(workspaceId: string, id: string): Promise<Member | undefined> {
    const row = await this.db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toMember(row) : undefined;
  }

  async byEmail(workspaceId: string, email: string): Promise<Member | undefined> {
    const row = await this.db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId).where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row ? toMember(row) : undefined;
  }

  async withEmail(email: string): Promise<{ member: Member; passwordHash: string | null }[]> {
    const rows = await this.db.selectFrom('members').selectAll().where('email', '=', email.toLowerCase()).orderBy('created_at').execute();
    return rows.map((row) => ({ member: toMember(row), passwordHash: row.password_hash }));
  }

  async passwordHash(workspaceId: string, id: string): Promise<string | null> {
    const row = await this.db.selectFrom('members').select('password_hash').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row?.password_hash ?? null;
  }

  async list(workspaceId: string): Promise<Member[]> {
    const rows = await this.db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
    return rows.map(toMember);
  }

  async update(workspaceId: string, id: string, patch: MemberPatch): Promise<Member | undefined> {
    const set: Partial<Selectable<MemberTable>> = { updated_at: Date.now() };
    if (patch.email !== undefined) set.email = patch.email.toLowerCase();
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.mustResetPassword !== undefined) set.must_reset_password = flag(patch.mustResetPassword);
    if (patch.profileLocked !== undefined) set.profile_locked = flag(patch.profileLocked);
    if (patch.productEmailsOptOut !== undefined) set.product_emails_opt_out = flag(patch.productEmailsOptOut);
    if (patch.deliveryAlertEmailsOptOut !== undefined) set.delivery_alert_emails_opt_out = flag(patch.deliveryAlertEmailsOptOut);
    if (patch.failedLogins !== undefined) set.failed_logins = patch.failedLogins;
    if (patch.lockedUntil !== undefined) set.locked_until = patch.lockedUntil;
    if (patch.lastLoginAt !== undefined) set.last_login_at = patch.lastLoginAt;
    await this.db.updateTable('members').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    return this.get(workspaceId, id);
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('members').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async countActiveOwners(workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
