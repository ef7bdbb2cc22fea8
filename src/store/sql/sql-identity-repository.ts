import type { Kysely, Selectable } from 'kysely';
import { normalizeEmail } from '../../core/identity/blocked-identifiers.js';
import type {
  GraphChanges,
  GraphSlice,
  GroupRecord,
  IdentityKey,
  IdentityKind,
  IdentityLink,
  LinkedIdentities,
  MergeRefusal,
  ProfileRecord,
  ProfileView,
} from '../../core/identity/identity.js';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { IdentityRepository } from '../store.js';
import { chunks } from './chunks.js';
import type { Database, GroupTable, ProfileTable } from './schema.js';

const KIND_ORDER: Record<IdentityKind, number> = { user_id: 0, anonymous_id: 1, email: 2 };

function toProfile(row: Selectable<ProfileTable>): ProfileRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    traits: JSON.parse(row.traits) as JsonObject,
    traitTimes: JSON.parse(row.trait_times) as Record<string, number>,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    ...(row.merge_refusals !== null && { mergeRefusals: JSON.parse(row.merge_refusals) as MergeRefusal[] }),
  };
}

function toGroup(row: Selectable<GroupTable>): GroupRecord {
  return {
    workspaceId: row.workspace_id,
    groupId: row.group_id,
    traits: JSON.parse(row.traits) as JsonObject,
    traitTimes: JSON.parse(row.trait_times) as Record<string, number>,
    updatedAt: Number(row.updated_at),
  };
}

export class SqlIdentityRepository implements IdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Profile ids of these identifiers: per workspace, so the primary key (workspace_id, value, kind) is used. */
  private async profileIdsOf(keys: readonly IdentityKey[]): Promise<Set<string>> {
    const profileIds = new Set<string>();
    const byWorkspace = new Map<string, Set<string>>();
    for (const k of keys) {
      const values = byWorkspace.get(k.workspaceId);
      if (values) values.add(k.value);
      else byWorkspace.set(k.workspaceId, new Set([k.value]));
    }
    for (const [workspaceId, values] of byWorkspace) {
      for (const part of chunks([...values])) {
        const rows = await this.db.selectFrom('identities').select('profile_id').where('workspace_id', '=', workspaceId).where('value', 'in', part).execute();
        for (const r of rows) profileIds.add(r.profile_id);
      }
    }
    return profileIds;
  }

  async linksOf(keys: readonly IdentityKey[]): Promise<IdentityLink[]> {
    const links: IdentityLink[] = [];
    for (const part of chunks([...(await this.profileIdsOf(keys))])) {
      const linkRows = await this.db.selectFrom('identities').selectAll().where('profile_id', 'in', part).execute();
      links.push(...linkRows.map((r) => ({ workspaceId: r.workspace_id, kind: r.kind as IdentityKind, value: r.value, profileId: r.profile_id })));
    }
    return links;
  }

  async loadSlice(keys: readonly IdentityKey[], groups: readonly { workspaceId: string; groupId: string }[] = []): Promise<GraphSlice> {
    const profileIds = await this.profileIdsOf(keys);
    const profiles: ProfileRecord[] = [];
    const links: IdentityLink[] = [];
    for (const part of chunks([...profileIds])) {
      const rows = await this.db.selectFrom('profiles').selectAll().where('id', 'in', part).execute();
      profiles.push(...rows.map(toProfile));
      const linkRows = await this.db.selectFrom('identities').selectAll().where('profile_id', 'in', part).execute();
      links.push(...linkRows.map((r) => ({ workspaceId: r.workspace_id, kind: r.kind as IdentityKind, value: r.value, profileId: r.profile_id })));
    }
    const groupRecords: GroupRecord[] = [];
    const groupIds = [...new Set(groups.map((g) => g.groupId))];
    const wantedGroups = new Set(groups.map((g) => `${g.workspaceId}\u0000${g.groupId}`));
    for (const part of chunks(groupIds)) {
      const rows = await this.db.selectFrom('groups').selectAll().where('group_id', 'in', part).execute();
      groupRecords.push(...rows.filter((r) => wantedGroups.has(`${r.workspace_id}\u0000${r.group_id}`)).map(toGroup));
    }
    return { profiles, links, groups: groupRecords };
  }

  async applyChanges(changes: GraphChanges): Promise<void> {
    if (changes.profiles.length + changes.links.length + changes.deletedProfileIds.length + changes.groups.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(changes.deletedProfileIds)) {
        await trx.deleteFrom('profiles').where('id', 'in', part).execute();
      }
      for (const part of chunks(changes.profiles)) {
        await trx
          .insertInto('profiles')
          .values(part.map((p) => ({
            id: p.id,
            workspace_id: p.workspaceId,
            traits: JSON.stringify(p.traits),
            trait_times: JSON.stringify(p.traitTimes),
            first_seen: p.firstSeen,
            last_seen: p.lastSeen,
            merge_refusals: p.mergeRefusals === undefined || p.mergeRefusals.length === 0 ? null : JSON.stringify(p.mergeRefusals),
          })))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
            traits: eb.ref('excluded.traits'),
            trait_times: eb.ref('excluded.trait_times'),
            first_seen: eb.ref('excluded.first_seen'),
            last_seen: eb.ref('excluded.last_seen'),
            merge_refusals: eb.ref('excluded.merge_refusals'),
          })))
          .execute();
      }
      for (const part of chunks(changes.links)) {
        await trx
          .insertInto('identities')
          .values(part.map((l) => ({ workspace_id: l.workspaceId, kind: l.kind, value: l.value, profile_id: l.profileId })))
          .onConflict((oc) => oc.columns(['workspace_id', 'value', 'kind']).doUpdateSet((eb) => ({ profile_id: eb.ref('excluded.profile_id') })))
          .execute();
      }
      for (const part of chunks(changes.groups)) {
        await trx
          .insertInto('groups')
          .values(part.map((g) => ({
            workspace_id: g.workspaceId,
            group_id: g.groupId,
            traits: JSON.stringify(g.traits),
            trait_times: JSON.stringify(g.traitTimes),
            updated_at: g.updatedAt,
          })))
          .onConflict((oc) => oc.columns(['workspace_id', 'group_id']).doUpdateSet((eb) => ({
            traits: eb.ref('excluded.traits'),
            trait_times: eb.ref('excluded.trait_times'),
            updated_at: eb.ref('excluded.updated_at'),
          })))
          .execute();
      }
    });
  }

  private async profileIdOf(workspaceId: string, identifier: string): Promise<string | undefined> {
    const candidates = [...new Set([identifier, normalizeEmail(identifier)].filter((v): v is string => v !== undefined))];
    const rows = await this.db
      .selectFrom('identities')
      .select(['kind', 'value', 'profile_id'])
      .where('workspace_id', '=', workspaceId)
      .where('value', 'in', candidates)
      .execute();
    rows.sort((a, b) => KIND_ORDER[a.kind as IdentityKind] - KIND_ORDER[b.kind as IdentityKind]);
    const match = rows.find((r) => r.kind !== 'email' ? r.value === identifier : true);
    return match?.profile_id;
  }

  async linkedIdentities(workspaceId: string, identifier: string): Promise<LinkedIdentities | undefined> {
    const profileId = await this.profileIdOf(workspaceId, identifier);
    if (profileId === undefined) return undefined;
    return this.linksOfProfile(workspaceId, profileId);
  }

  private async linksOfProfile(workspaceId: string, profileId: string): Promise<LinkedIdentities> {
    const rows = await this.db
      .selectFrom('identities')
      .select(['kind', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', '=', profileId)
      .orderBy('value')
      .execute();
    const of = (kind: IdentityKind) => rows.filter((r) => r.kind === kind).map((r) => r.value);
    return { profileId, userIds: of('user_id'), anonymousIds: of('anonymous_id'), emails: of('email') };
  }

  async profile(workspaceId: string, identifier: string, options: { orProfileId?: boolean } = {}): Promise<ProfileView | undefined> {
    const profileId = (await this.profileIdOf(workspaceId, identifier)) ?? (options.orProfileId ? identifier : undefined);
    if (profileId === undefined) return undefined;
    const row = await this.db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', profileId).executeTakeFirst();
    if (!row) return undefined;
    const profile = toProfile(row);
    return { ...(await this.linksOfProfile(workspaceId, profileId)), traits: profile.traits, firstSeen: profile.firstSeen, lastSeen: profile.lastSeen, mergeRefusals: profile.mergeRefusals ?? [] };
  }

  async group(workspaceId: string, groupId: string): Promise<GroupRecord | undefined> {
    const row = await this.db.selectFrom('groups').selectAll().where('workspace_id', '=', workspaceId).where('group_id', '=', groupId).executeTakeFirst();
    return row ? toGroup(row) : undefined;
  }

  async unlink(workspaceId: string, profileIds: readonly string[], keys: readonly { kind: IdentityKind; value: string }[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    let removed = 0;
    for (const { kind, value } of keys) {
      const result = await this.db
        .deleteFrom('identities')
        .where('workspace_id', '=', workspaceId)
        .where('value', '=', value)
        .where('kind', '=', kind)
        .where('profile_id', 'in', [...profileIds])
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async deleteProfile(workspaceId: string, profileId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('identities').where('workspace_id', '=', workspaceId).where('profile_id', '=', profileId).execute();
      await trx.deleteFrom('profiles').where('workspace_id', '=', workspaceId).where('id', '=', profileId).execute();
      // Other profiles' refused merges with this one go too: they name its id and its event (a scan of the
      // workspace's profiles that hold refusals; erasures are rare).
      const naming = await trx
        .selectFrom('profiles')
        .select(['id', 'merge_refusals'])
        .where('workspace_id', '=', workspaceId)
        .where('merge_refusals', 'like', `%${JSON.stringify(profileId)}%`)
        .execute();
      for (const row of naming) {
        const kept = (JSON.parse(row.merge_refusals ?? '[]') as MergeRefusal[]).filter((r) => r.otherProfileId !== profileId);
        await trx.updateTable('profiles').set({ merge_refusals: kept.length === 0 ? null : JSON.stringify(kept) }).where('id', '=', row.id).execute();
      }
    });
  }
}
