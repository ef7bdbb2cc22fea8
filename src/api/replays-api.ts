import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import type { StoredDestination } from '../core/destination.js';
import { checkDestinationEnabled, checkReplayRange, replayWindow } from '../replay/replay-range-check.js';
import { REPLAY_STATUSES, waitingSince, type NewReplay, type Replay, type ReplayRange } from '../replay/replay.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { destinationOf } from './destination-of.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';

/** How long `POST /replay` waits for a replay to finish before answering 202 with it still running. */
const ANSWER_WITHIN_MS = 5_000;
const POLL_MS = 50;

/** A replay as the API shows it (also what the audit log keeps of one). */
export const ReplaySchema = Type.Object({
  id: Type.String(),
  destinationId: Type.String(),
  kind: Type.Union([Type.Literal('range'), Type.Literal('failed')], { description: '`range`: stored events of a time range; `failed`: the destination\'s failed deliveries ("retry all failed")' }),
  status: Type.Union(REPLAY_STATUSES.map((s) => Type.Literal(s))),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'A range replay\'s range (by receivedAt)' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  event: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  sourceId: Type.Optional(Type.String()),
  total: Type.Integer({ description: 'Stored events in the range (failed deliveries) when the replay was asked for' }),
  read: Type.Integer({ description: 'Events of the range (failed deliveries) read so far' }),
  queued: Type.Integer({ description: 'Events queued to the destination' }),
  dropped: Type.Integer({ description: 'Events withheld by consent, filters, PII rules or the integrations object (see the delivery log)' }),
  error: Type.Optional(Type.String()),
  requestedBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  waitingSince: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'A running replay no process is working on: since when. None has picked it up yet, or its runner stopped and the next has not taken over; replays run in processes with the `jobs` role (docs/deploying.md)',
    }),
  ),
});

/** A replay as the audit log keeps it (what was asked for and how far it got; no runner state). */
export function replayView(r: Replay) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: r.id,
    destinationId: r.destinationId,
    kind: r.kind,
    status: r.status,
    ...(r.kind === 'range' && { from: iso(r.range.from), to: iso(r.range.to) }),
    ...(r.range.event !== undefined && { event: r.range.event }),
    ...(r.range.type !== undefined && { type: r.range.type }),
    ...(r.range.sourceId !== undefined && { sourceId: r.range.sourceId }),
    total: r.total,
    read: r.read,
    queued: r.queued,
    dropped: r.dropped,
    ...(r.error !== null && { error: r.error }),
    requestedBy: r.requestedBy,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    ...(r.finishedAt !== null && { finishedAt: iso(r.finishedAt) }),
  };
}

/** A replay as the API answers it: {@link replayView} and, while no process runs it, since when. */
export function replayAnswer(r: Replay, now = Date.now()) {
  const waiting = waitingSince(r, now);
  return { ...replayView(r), ...(waiting !== undefined && { waitingSince: new Date(waiting).toISOString() }) };
}

/**
 * Records a replay, audits it, wakes the runners and waits up to 5 s for it to finish (none with
 * `Prefer: respond-async`): the replay as it is then. Still running: the answer is 202 with its Location.
 */
export async function askForReplay(
  deps: { store: Store; changes: Pick<ChangeFeed, 'publish'> },
  request: FastifyRequest,
  reply: FastifyReply,
  destination: StoredDestination,
  input: Pick<NewReplay, 'kind' | 'range' | 'total'>,
  action: string,
): Promise<Replay> {
  const { store, changes } = deps;
  const principal = principalOf(request);
  let replay = await store.replays.create({ workspaceId: principal.workspaceId, destinationId: destination.id, ...input, requestedBy: principal.actor }, Date.now());
  await new AuditLog(store.audit).record({ ...auditContext(request), action, resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, after: replayView(replay) });
  // Wakes the replay runners (the jobs role's replays thread, here or in another process).
  await changes.publish('replays');
  const respondAsync = /\brespond-async\b/i.test(String(request.headers.prefer ?? ''));
  const deadline = Date.now() + (respondAsync ? 0 : ANSWER_WITHIN_MS);
  while (replay.status === 'running' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    replay = (await store.replays.get(principal.workspaceId, replay.id)) ?? replay;
  }
  if (replay.status === 'running') void reply.code(202).header('location', `/api/v1/destinations/${destination.id}/replays/${replay.id}`);
  return replay;
}

const ReplayParams = Type.Object({ id: Type.String(), replayId: Type.String() });

/**
 * Replays of stored events to a destination: asked for here, run in the background by the jobs role's
 * replay runner (src/replay/), followed and cancelled here and in the console.
 */
export const replaysApi: FastifyPluginAsyncTypebox<{ store: Store; changes: Pick<ChangeFeed, 'publish'> }> = async (app, { store, changes }) => {
  const audit = new AuditLog(store.audit);
  const load = (workspaceId: string, id: string) => destinationOf(store, workspaceId, id);
  const loadReplay = async (workspaceId: string, destinationId: string, replayId: string) => {
    const replay = await store.replays.get(workspaceId, replayId);
    if (!replay || replay.destinationId !== destinationId) throw new SluiceError('not_found', `No replay ${replayId} of destination ${destinationId} (GET /api/v1/destinations/${destinationId}/replays lists them).`);
    return replay;
  };

  app.post('/destinations/:id/replay', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Send stored events of a time range (by receivedAt) to this destination again, oldest first, in the background',
      description:
        'Answers 200 with the finished replay when it finishes within 5 seconds, else 202 with it running (Location: the replay, to follow its progress). `Prefer: respond-async` answers 202 at once. ' +
        'A replay waits while the destination has 20,000 or more deliveries waiting, and carries on after a restart.',
      params: IdParams,
      body: Type.Object({
        from: Type.String({ format: 'date-time' }),
        to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the range, exclusive; none, or one in the future, is the time of asking (later events reach the destination live), as `sluice replay` without --to' })),
        event: Type.Optional(Type.String({ description: 'Only track events of this name' })),
        type: Type.Optional(Type.String({ description: 'Only events of this type (track, identify, ...)' })),
        sourceId: Type.Optional(Type.String({ description: 'Only events of this source (one the destination receives: its sourceIds)' })),
      }, { additionalProperties: false }),
      response: { 200: ReplaySchema, 202: ReplaySchema },
    },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const destination = await load(workspaceId, request.params.id);
    checkDestinationEnabled(destination, 'replay');
    const body = request.body;
    const now = Date.now();
    const range: ReplayRange = {
      ...replayWindow(Date.parse(body.from), body.to === undefined ? now : Date.parse(body.to), now, { from: '`from`', to: '`to`' }),
      ...(body.event !== undefined && { event: body.event }),
      ...(body.type !== undefined && { type: body.type }),
      ...(body.sourceId !== undefined && { sourceId: body.sourceId }),
    };
    await checkReplayRange(store.sources, destination, range, { type: 'type', event: 'event', sourceId: 'sourceId' });
    const total = await store.events.countMatching({ workspaceId, ...range });
    const replay = await askForReplay({ store, changes }, request, reply, destination, { kind: 'range', range, total }, 'destination.replay');
    return replayAnswer(replay);
  });

  app.get('/destinations/:id/replays', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'The replays of a destination, newest first',
      params: IdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
      response: { 200: Type.Object({ replays: Type.Array(ReplaySchema) }) },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await load(workspaceId, request.params.id);
    return { replays: (await store.replays.list(workspaceId, destination.id, request.query.limit ?? 20)).map((r) => replayAnswer(r)) };
  });

  app.get('/destinations/:id/replays/:replayId', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: 'One replay: its status and progress', params: ReplayParams, response: { 200: ReplaySchema } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return replayAnswer(await loadReplay(workspaceId, request.params.id, request.params.replayId));
  });

  app.post('/destinations/:id/replays/:replayId/cancel', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Stop a running replay (what it queued already is still delivered)',
      params: ReplayParams,
      response: { 200: ReplaySchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await load(workspaceId, request.params.id);
    const found = await loadReplay(workspaceId, destination.id, request.params.replayId);
    if (found.status !== 'running') throw new SluiceError('conflict', `Replay ${found.id} is already ${found.status}; only a running replay can be cancelled.`);
    const cancelled = (await store.replays.cancel(workspaceId, found.id, Date.now())) ?? found;
    if (cancelled.status !== 'cancelled') throw new SluiceError('conflict', `Replay ${found.id} finished (${cancelled.status}) before it could be cancelled.`);
    await audit.record({ ...auditContext(request), action: 'destination.replay_cancel', resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, after: replayView(cancelled) });
    return replayAnswer(cancelled);
  });
};
