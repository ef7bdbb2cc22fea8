import type { Kysely, Selectable } from 'kysely';
import { applyConsentRecords, type ConsentRecord, type ConsentRecordInput, type ConsentSource, type SubjectConsentState } from '../../core/privacy/consent-record.js';
import { identifierKey, normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { LedgerChoice } from '../../core/consent/resolve-consent.js';
import type { BannerContent, StoredBannerText } from '../../core/consent/banner-content.js';
import type { ConsentRepository } from '../store.js';
import type { ConsentLedgerTable, ConsentStateTable, Database } from './schema.js';

const CHUNK = 300;

function toRecord(row: Selectable<ConsentLedgerTable>): ConsentRecord {
  return {
    seq: Number(row.seq),
    workspaceId: row.workspace_id,
    subject: { type: row.subject_type as IdentifierType, value: row.subject },
    at: Number(row.at),
    categories: JSON.parse(row.categories) as Record<string, boolean>,
    source: row.source as ConsentSource,
    gpc: Number(row.gpc) === 1,
    policyVersion: row.policy_version,
    ipHash: row.ip_hash,
    userAgent: row.user_agent,
    messageId: row.message_id,
    requestId: row.request_id,
    bannerVersion: row.banner_version,
  };
}

function toState(row: Selectable<ConsentStateTable>): SubjectConsentState {
  return {
    subject: { type: row.subject_type as IdentifierType, value: row.subject },
    choices: JSON.parse(row.choices) as Record<string, LedgerChoice>,
    gpcAt: row.gpc_at === null ? null : Number(row.gpc_at),
  };
}

/** Groups identifiers by type so each query is `subject_type = ? AND subject IN (...)`. */
function byType(subjects: readonly SubjectIdentifier[]): Map<IdentifierType, string[]> {
  const sets = new Map<IdentifierType, Set<string>>();
  for (const s of subjects.map(normalizeIdentifier)) {
    const values = sets.get(s.type);
    if (values) values.add(s.value);
    else sets.set(s.type, new Set([s.value]));
  }
  return new Map([...sets].map(([type, values]) => [type, [...values]]));
}

export class SqlConsentRepository implements ConsentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(records: readonly ConsentRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    const normalized = records.map((r) => ({ ...r, subject: normalizeIdentifier(r.subject) }));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < normalized.length; i += CHUNK) {
        await trx
          .insertInto('consent_ledger')
          .values(
            normalized.slice(i, i + CHUNK).map((r) => ({
              workspace_id: r.workspaceId,
              subject_type: r.subject.type,
              subject: r.subject.value,
              at: r.at,
              categories: JSON.stringify(r.categories),
              source: r.source,
              gpc: r.gpc ? 1 : 0,
              policy_version: r.policyVersion ?? null,
              ip_hash: r.ipHash ?? null,
              user_agent: r.userAgent ?? null,
              message_id: r.messageId ?? null,
              request_id: r.requestId ?? null,
              banner_version: r.bannerVersion ?? null,
            })),
          )
          .execute();
      }
      // Fold the new entries into each subject's current state.
      const groups = new Map<string, { workspaceId: string; subject: SubjectIdentifier; records: ConsentRecordInput[] }>();
      for (const r of normalized) {
        const key = `${r.workspaceId}\u0000${identifierKey(r.subject)}`;
        const group = groups.get(key) ?? { workspaceId: r.workspaceId, subject: r.subject, records: [] };
        group.records.push(r);
        groups.set(key, group);
      }
      const now = Date.now();
      for (const group of groups.values()) {
        const row = await trx
          .selectFrom('consent_state')
          .selectAll()
          .where('workspace_id', '=', group.workspaceId)
          .where('subject_type', '=', group.subject.type)
          .where('subject', '=', group.subject.value)
          .executeTakeFirst();
        const before: SubjectConsentState = row ? toState(row) : { subject: group.subject, choices: {}, gpcAt: null };
        const after = applyConsentRecords(before, [...group.records].sort((a, b) => a.at - b.at));
        const values = {
          workspace_id: group.workspaceId,
          subject_type: group.subject.type,
          subject: group.subject.value,
          choices: JSON.stringify(after.choices),
          gpc_at: after.gpcAt,
          updated_at: now,
        };
        await trx
          .insertInto('consent_state')
          .values(values)
          .onConflict((oc) => oc.columns(['workspace_id', 'subject_type', 'subject']).doUpdateSet({ choices: values.choices, gpc_at: values.gpc_at, updated_at: now }))
          .execute();
      }
    });
  }

  async states(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<SubjectConsentState[]> {
    const out: SubjectConsentState[] = [];
    for (const [type, values] of byType(subjects)) {
      for (let i = 0; i < values.length; i += CHUNK) {
        const rows = await this.db
          .selectFrom('consent_state')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('subject_type', '=', type)
          .where('subject', 'in', values.slice(i, i + CHUNK))
          .execute();
        out.push(...rows.map(toState));
      }
    }
    return out;
  }

  async history(workspaceId: string, subjects: readonly SubjectIdentifier[], limit: number): Promise<ConsentRecord[]> {
    const out: ConsentRecord[] = [];
    for (const [type, values] of byType(subjects)) {
      for (let i = 0; i < values.length; i += CHUNK) {
        const rows = await this.db
          .selectFrom('consent_ledger')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('subject_type', '=', type)
          .where('subject', 'in', values.slice(i, i + CHUNK))
          .orderBy('seq', 'desc')
          .limit(limit)
          .execute();
        out.push(...rows.map(toRecord));
      }
    }
    return out.sort((a, b) => a.at - b.at || a.seq - b.seq).slice(-limit);
  }

  async rememberBanner(workspaceId: string, version: string, content: BannerContent, at: number): Promise<void> {
    await this.db
      .insertInto('consent_banner_texts')
      .values({ workspace_id: workspaceId, version, content: JSON.stringify(content), first_served_at: at })
      .onConflict((oc) => oc.columns(['workspace_id', 'version']).doNothing())
      .execute();
  }

  async banners(workspaceId: string, versions: readonly string[]): Promise<StoredBannerText[]> {
    const unique = [...new Set(versions)];
    const out: StoredBannerText[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('consent_banner_texts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('version', 'in', unique.slice(i, i + CHUNK))
        .execute();
      out.push(...rows.map((r) => ({ version: r.version, content: JSON.parse(r.content) as BannerContent, firstServedAt: Number(r.first_served_at) })));
    }
    return out;
  }

  async countNamed(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<number> {
    let total = 0;
    for (const [type, values] of byType(subjects)) {
      for (let i = 0; i < values.length; i += CHUNK) {
        for (const table of ['consent_ledger', 'consent_state'] as const) {
          const row = await this.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', workspaceId).where('subject_type', '=', type).where('subject', 'in', values.slice(i, i + CHUNK)).executeTakeFirstOrThrow();
          total += Number(row.n);
        }
      }
    }
    return total;
  }

  async pseudonymize(workspaceId: string, subjects: readonly SubjectIdentifier[], pseudonym: (subject: SubjectIdentifier) => string): Promise<number> {
    let changed = 0;
    await this.db.transaction().execute(async (trx) => {
      for (const subject of new Map(subjects.map((s) => [identifierKey(s), normalizeIdentifier(s)])).values()) {
        const result = await trx.updateTable('consent_ledger').set({ subject: pseudonym(subject) })
          .where('workspace_id', '=', workspaceId).where('subject_type', '=', subject.type).where('subject', '=', subject.value).executeTakeFirst();
        changed += Number(result.numUpdatedRows);
        await trx.deleteFrom('consent_state').where('workspace_id', '=', workspaceId).where('subject_type', '=', subject.type).where('subject', '=', subject.value).execute();
      }
    });
    return changed;
  }
}
