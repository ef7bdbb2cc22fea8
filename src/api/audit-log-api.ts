import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditActionsTaken, isKnownAuditAction, likelyAuditAction } from '../accounts/audit-actions.js';
import { auditActorAdvice, auditActorShapes, isAuditActorShape } from '../accounts/audit-actors.js';
import type { AuditLog } from '../accounts/audit-log.js';
import type { AuditEntry } from '../core/audit-entry.js';
import { SluiceError } from '../core/errors.js';
import type { AuditQuery, AuditRepository, MemberRepository, TokenRepository } from '../store/store.js';
import { memberActor } from './api-auth.js';
import { principalOf } from './principal.js';
import { encodeCursor } from './schemas.js';
import { closedQueryErrors } from './validation-messages.js';

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  resourceType: Type.String(),
  resourceId: Type.String(),
  resourceName: Type.Optional(Type.String()),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  ip: Type.Optional(Type.String()),
  hash: Type.String(),
  prevHash: Type.String(),
});

const Filters = {
  actor: Type.Optional(Type.String({ description: "Exact actor, or a prefix such as member:mem_123 when it ends with *; a member's actor also finds the entries made with the member's API tokens" })),
  actorContains: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: "Part of the actor, ignoring case: a member's email (member:mem_… (email)), a token's name or id; a member's email also finds the entries made with the member's API tokens, also once the member is removed" })),
  action: Type.Optional(Type.String({ description: 'Exact action, e.g. source.create, or a prefix when it ends with * (privacy* finds privacy_request.* and privacy_settings.update)' })),
  resourceType: Type.Optional(Type.String()),
  resourceId: Type.Optional(Type.String()),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'at >= from' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'at < to' })),
};
// Closed: a misspelt filter (?user=, ?actorEmail=) would otherwise list or export every entry as if they matched.
const ListQuery = Type.Object({ ...Filters, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), cursor: Type.Optional(Type.String()) }, { additionalProperties: false });
const ExportQuery = Type.Object(Filters, { additionalProperties: false });

/**
 * An audit entry as the API shows it: every field its hash covers (`auditEntryHash`; those left out are null), so an
 * export can be verified without the database (`sluice audit verify --file`).
 */
export function auditEntryView(entry: AuditEntry) {
  return {
    id: entry.id,
    workspaceId: entry.workspaceId,
    seq: entry.seq,
    at: new Date(entry.at).toISOString(),
    actor: entry.actor,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    ...(entry.resourceName !== null && { resourceName: entry.resourceName }),
    ...(entry.before !== null && { before: entry.before }),
    ...(entry.after !== null && { after: entry.after }),
    ...(entry.ip !== null && { ip: entry.ip }),
    hash: entry.hash,
    prevHash: entry.prevHash,
  };
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new SluiceError('invalid_cursor', 'The cursor is not one this API returned; pass nextCursor from the previous page unchanged.');
  return Number(match[1]);
}

type FilterInput = { actor?: string; actorContains?: string; action?: string; resourceType?: string; resourceId?: string; from?: string; to?: string };

/** The actions that remove a member: their entry keeps the member's id (resourceId) and last email (resourceName). */
const REMOVALS = ['member.remove', 'member.delete_self'] as const;
const REMOVED_SCAN = 1000;

/**
 * Every member of the workspace and every member removed from it (as the audit log's removal entries name them:
 * the member row is gone, their tokens stay, revoked, with the member's id), as (id, email).
 */
async function membersEverOf(members: MemberRepository, audit: AuditRepository, workspaceId: string): Promise<{ id: string; email: string }[]> {
  const known = (await members.list(workspaceId)).map((m) => ({ id: m.id, email: m.email }));
  const ids = new Set(known.map((m) => m.id));
  for (const action of REMOVALS) {
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await audit.query({ workspaceId, action, resourceType: 'member', ...(beforeSeq !== undefined && { beforeSeq }), limit: REMOVED_SCAN });
      for (const entry of page) {
        if (ids.has(entry.resourceId) || entry.resourceName === null) continue;
        ids.add(entry.resourceId);
        known.push({ id: entry.resourceId, email: entry.resourceName });
      }
      if (page.length < REMOVED_SCAN) break;
      beforeSeq = page[page.length - 1]!.seq;
    }
  }
  return known;
}

/**
 * The tokens of the members an actor filter names (their label `member:<id> (<email>)` matches it as the filter
 * matches an entry's actor), as actor prefixes: searching for a member also finds what they did with their tokens,
 * entries written before this search existed included (nothing in the chain changes), and for a member removed
 * since (found by the email their removal entry names). Entries written since token actors name their member
 * (`token:… of member:… (email)`) match the filter by themselves.
 */
async function tokensOfNamedMembers(repos: Repos, workspaceId: string, q: FilterInput): Promise<string[]> {
  const exact = q.actor !== undefined && !q.actor.endsWith('*') ? q.actor : undefined;
  const prefix = q.actor?.endsWith('*') ? q.actor.slice(0, -1) : undefined;
  const contains = q.actorContains?.toLowerCase();
  if (exact === undefined && prefix === undefined && contains === undefined) return [];
  const named = new Set(
    (await membersEverOf(repos.members, repos.audit, workspaceId))
      .filter((m) => {
        const label = memberActor(m);
        if (exact !== undefined && label !== exact) return false;
        if (prefix !== undefined && !label.startsWith(prefix)) return false;
        return contains === undefined || label.toLowerCase().includes(contains);
      })
      .map((m) => m.id),
  );
  if (named.size === 0) return [];
  return (await repos.tokens.list(workspaceId)).filter((t) => t.memberId !== null && named.has(t.memberId)).map((t) => `token:${t.id} `);
}

type Repos = { members: MemberRepository; tokens: TokenRepository; audit: AuditRepository };

async function filtersOf(repos: Repos, workspaceId: string, q: FilterInput): Promise<Omit<AuditQuery, 'limit'>> {
  const tokenPrefixes = await tokensOfNamedMembers(repos, workspaceId, q);
  return {
    workspaceId,
    ...(q.actor !== undefined && (q.actor.endsWith('*') ? { actorPrefix: q.actor.slice(0, -1) } : { actor: q.actor })),
    ...(q.actorContains !== undefined && { actorContains: q.actorContains }),
    ...(tokenPrefixes.length > 0 && { orActorPrefixes: tokenPrefixes }),
    ...(q.action !== undefined && (q.action.endsWith('*') ? { actionPrefix: q.action.slice(0, -1) } : { action: q.action })),
    ...(q.resourceType !== undefined && { resourceType: q.resourceType }),
    ...(q.resourceId !== undefined && { resourceId: q.resourceId }),
    ...(q.from !== undefined && { from: Date.parse(q.from) }),
    ...(q.to !== undefined && { to: Date.parse(q.to) }),
  };
}

/**
 * Refuses an action filter that names no action Sluice records (a typo: `sorce.create`, `source.creat`) and that no
 * entry of the workspace's log has either (one written by an earlier version is still found): it would answer an
 * empty log, as if nothing had happened.
 */
async function checkActionFilter(repository: AuditRepository, workspaceId: string, action: string | undefined): Promise<void> {
  if (action === undefined || isKnownAuditAction(action)) return;
  const logged = await repository.query({ workspaceId, ...(action.endsWith('*') ? { actionPrefix: action.slice(0, -1) } : { action }), limit: 1 });
  if (logged.length > 0) return;
  const meant = likelyAuditAction(action);
  throw new SluiceError(
    'validation_failed',
    `query parameter action: "${action}" is not an action Sluice records, and no entry of this workspace's audit log has it, so the filter would match nothing.${meant ? ` Did you mean ${meant}?` : ''} ` +
      `Give an action exactly (source.create), or a prefix ending with * (source* for every source action, member.two_factor* ...). The actions are: ${auditActionsTaken()}.`,
  );
}

/**
 * Refuses an exact actor filter that fits none of the shapes Sluice records (`?actor=owner`, an email, `member:mem_1`
 * without its email) and that no entry of the workspace's log has either: it would answer an empty log. A prefix
 * (ending with `*`) is taken as given.
 */
async function checkActorFilter(repository: AuditRepository, workspaceId: string, actor: string | undefined): Promise<void> {
  if (actor === undefined || actor.endsWith('*') || isAuditActorShape(actor)) return;
  if ((await repository.query({ workspaceId, actor, limit: 1 })).length > 0) return;
  throw new SluiceError(
    'validation_failed',
    `query parameter actor: "${actor}" is not an actor Sluice records, and no entry of this workspace's audit log has it, so the filter would match nothing. ` +
      `The actor filter is exact (or a prefix ending with *), and actors are ${auditActorShapes()}. ${auditActorAdvice(actor)}`,
  );
}

const EXPORT_PAGE = 500;

/**
 * The export's lines, newest first, each an entry with `exportedWith`: the chain head when the export began (no entry
 * after it is exported, so the file and the head agree) and the filters as given, so `sluice audit verify --file` knows
 * which gaps the filters made and checks the newest line against the head.
 */
async function* exportLines(repository: AuditRepository, filters: Omit<AuditQuery, 'limit'>, given: Record<string, string>): AsyncGenerator<string> {
  const head = (await repository.head(filters.workspaceId)) ?? null;
  if (head === null) return;
  const exportedWith = { head: { seq: head.seq, hash: head.hash }, filters: given };
  let beforeSeq = head.seq + 1;
  for (;;) {
    const page = await repository.query({ ...filters, beforeSeq, limit: EXPORT_PAGE });
    for (const entry of page) yield `${JSON.stringify({ ...auditEntryView(entry), exportedWith })}\n`;
    if (page.length < EXPORT_PAGE) return;
    beforeSeq = page[page.length - 1]!.seq;
  }
}

/** The filters a caller gave (the query's strings, in a fixed order), as the export's lines record them. */
function givenFilters(q: FilterInput): Record<string, string> {
  const given: Record<string, string> = {};
  for (const key of ['actor', 'actorContains', 'action', 'resourceType', 'resourceId', 'from', 'to'] as const) {
    const value = q[key];
    if (value !== undefined) given[key] = value;
  }
  return given;
}

/**
 * The audit log of the caller's workspace: list with filters and paging, NDJSON export, chain check. Filtering by a
 * member (actor, actorContains) also finds the entries made with that member's API tokens.
 */
export const auditLogApi: FastifyPluginAsyncTypebox<{ repository: AuditRepository; audit: AuditLog; members: MemberRepository; tokens: TokenRepository }> = async (app, { repository, audit, members, tokens }) => {
  app.get('/audit-log', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'Audit entries, newest first',
      querystring: ListQuery,
      response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema), nextCursor: Type.Optional(Type.String()) }) },
    },
    schemaErrorFormatter: closedQueryErrors('GET /audit-log', Object.keys(ListQuery.properties)),
  }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 100;
    await checkActionFilter(repository, principalOf(request).workspaceId, q.action);
    await checkActorFilter(repository, principalOf(request).workspaceId, q.actor);
    const entries = await repository.query({
      ...(await filtersOf({ members, tokens, audit: repository }, principalOf(request).workspaceId, q)),
      ...(q.cursor !== undefined && { beforeSeq: decodeCursor(q.cursor) }),
      limit,
    });
    const last = entries[entries.length - 1];
    return { entries: entries.map(auditEntryView), ...(entries.length === limit && last ? { nextCursor: encodeCursor(last.seq) } : {}) };
  });

  app.get('/audit-log/export', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'Every matching audit entry as NDJSON (one JSON entry per line, newest first), each with exportedWith: the chain head when the export began and the filters, so `sluice audit verify --file` checks a filtered export too',
      querystring: ExportQuery,
      produces: ['application/x-ndjson'],
    },
    schemaErrorFormatter: closedQueryErrors('GET /audit-log/export', Object.keys(ExportQuery.properties)),
  }, async (request, reply) => {
    await checkActionFilter(repository, principalOf(request).workspaceId, request.query.action);
    await checkActorFilter(repository, principalOf(request).workspaceId, request.query.actor);
    const filters = await filtersOf({ members, tokens, audit: repository }, principalOf(request).workspaceId, request.query);
    reply.header('content-disposition', `attachment; filename="audit-log-${filters.workspaceId}.ndjson"`);
    return reply.type('application/x-ndjson').send(Readable.from(exportLines(repository, filters, givenFilters(request.query))));
  });

  app.get('/audit-log/verify', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: "Check this workspace's hash chain; reports the first broken link",
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          entries: Type.Integer(),
          head: Type.Optional(Type.Object({ seq: Type.Integer(), hash: Type.String() }, { description: "The newest entry's seq and hash as the log records them: an export whose newest entry matches lost nothing at its end" })),
          firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), entryId: Type.Union([Type.String(), Type.Null()]), reason: Type.String(), message: Type.String() })),
        }),
      },
    },
  }, async (request) => {
    const result = await audit.verify(principalOf(request).workspaceId);
    const broken = result.firstBroken;
    return {
      ok: result.ok,
      entries: result.workspaces[0]?.entries ?? 0,
      ...(result.workspaces[0]?.head && { head: result.workspaces[0].head }),
      ...(broken && { firstBroken: { seq: broken.seq, entryId: broken.entryId, reason: broken.reason, message: broken.message } }),
    };
  });
};
