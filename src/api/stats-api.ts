import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../core/destination.js';
import { SluiceError } from '../core/errors.js';
import { SOURCE_COUNTER_KINDS, type SourceCounter, type SourceCounterKind, type Store } from '../store/store.js';
import { principalOf } from './principal.js';

const MINUTE = 60_000;

const Minutes = Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })) });
const Counts = Type.Object(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, Type.Integer()])) as Record<DeliveryStatus, ReturnType<typeof Type.Integer>>);
const ByReason = Type.Record(Type.String(), Type.Integer(), { description: 'count per machine-readable reason' });
const DestinationStats = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  totals: Counts,
  droppedByReason: ByReason,
  failedByReason: ByReason,
  retryingByReason: Type.Record(Type.String(), Type.Integer(), {
    description: 'failed attempts that will be tried again, per reason (http_503, timeout, network_error; held_for_user, held_for_pause and held_for_batch are events not sent because something ahead of them failed)',
  }),
  perMinute: Type.Array(Type.Intersect([Type.Object({ at: Type.String({ format: 'date-time' }) }), Counts, Type.Object({ droppedByReason: ByReason, failedByReason: ByReason, retryingByReason: ByReason })])),
});

const KindCounts = Type.Object(Object.fromEntries(SOURCE_COUNTER_KINDS.map((k) => [k, Type.Integer()])) as Record<SourceCounterKind, ReturnType<typeof Type.Integer>>);
const KindReasons = Type.Object({
  rejectedByReason: Type.Record(Type.String(), Type.Integer(), { description: 'rejected events per error code (docs/errors.md)' }),
  droppedByReason: Type.Record(Type.String(), Type.Integer(), { description: 'events the processor dropped before storage, per reason (suppressed, duplicate, pii_blocked:...)' }),
  withheldByReason: Type.Record(Type.String(), Type.Integer(), { description: '(event, destination) pairs withheld at fan-out, per reason (consent_denied:..., child, filter, integrations, ...)' }),
});
const SourceSeries = Type.Intersect([
  Type.Object({ totals: KindCounts }),
  KindReasons,
  Type.Object({ perMinute: Type.Array(Type.Intersect([Type.Object({ at: Type.String({ format: 'date-time' }) }), KindCounts, KindReasons])) }),
]);
const SourceStats = Type.Intersect([Type.Object({ id: Type.String(), name: Type.String() }), SourceSeries]);

type KindRow = Record<SourceCounterKind, number>;
/** Per status with reasons: count per reason code. */
type ReasonCounts = Record<'dropped' | 'failed' | 'retrying', Record<string, number>>;
type Reasons = { rejectedByReason: Record<string, number>; droppedByReason: Record<string, number>; withheldByReason: Record<string, number> };
const zeroKinds = (): KindRow => Object.fromEntries(SOURCE_COUNTER_KINDS.map((k) => [k, 0])) as KindRow;
const noReasons = (): Reasons => ({ rejectedByReason: {}, droppedByReason: {}, withheldByReason: {} });
/** Where a kind's reasons go; `received` and `stored` have none. */
const REASONS_OF: Partial<Record<SourceCounterKind, keyof Reasons>> = { rejected: 'rejectedByReason', dropped: 'droppedByReason', withheld: 'withheldByReason' };

/** Totals, reasons and a zero-filled per-minute series of [start, end) from counter rows of one source. */
function sourceSeries(rows: readonly SourceCounter[], start: number, end: number) {
  const totals = zeroKinds();
  const reasons = noReasons();
  const minutes = new Map<number, { counts: KindRow; reasons: Reasons }>();
  for (const row of rows) {
    let minute = minutes.get(row.minute);
    if (!minute) minutes.set(row.minute, (minute = { counts: zeroKinds(), reasons: noReasons() }));
    totals[row.kind] += row.count;
    minute.counts[row.kind] += row.count;
    const field = REASONS_OF[row.kind];
    if (field !== undefined) {
      const reason = row.reason || 'unknown';
      reasons[field][reason] = (reasons[field][reason] ?? 0) + row.count;
      minute.reasons[field][reason] = (minute.reasons[field][reason] ?? 0) + row.count;
    }
  }
  const perMinute = [];
  for (let at = start; at < end; at += MINUTE) {
    const minute = minutes.get(at);
    perMinute.push({ at: new Date(at).toISOString(), ...(minute?.counts ?? zeroKinds()), ...(minute?.reasons ?? noReasons()) });
  }
  return { totals, ...reasons, perMinute };
}

type CountRow = Record<DeliveryStatus, number>;
const zero = (): CountRow => Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as CountRow;

/** The window [start, end) of the last `minutes` minutes, the current one included. */
function window(minutes: number): { start: number; end: number } {
  const end = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE; // end of the current minute
  return { start: end - minutes * MINUTE, end };
}

/** Figures for the console's overview, read from the store (so they survive restarts and cover every process). */
export const statsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/stats/events-per-minute', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['stats'],
      summary: 'Events stored per minute of receipt, oldest first, zeros included; kept for 25 hours',
      description:
        'The sum of the workspace\'s `stored` source counters (GET /stats/sources): the processor counts the events it stores, in the minute each was received, and writes its counts about once a second. ' +
        'An event erased or expired later still counts in its minute (a flow, not what is kept now). Minutes older than SLUICE_COUNTERS_RETENTION_HOURS (25 by default) read 0.',
      querystring: Minutes,
      response: { 200: Type.Object({ minutes: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), count: Type.Integer() })) }) },
    },
  }, async (request) => {
    const { start, end } = window(request.query.minutes ?? 60);
    // Counters, not a count of `events`: that read every event of the window, on the thread answering the Tracking API,
    // at each poll of the console's overview (366 ms at 400,000 events an hour; the window's events grow with traffic).
    const counts = new Map<number, number>();
    for (const row of await store.sourceCounters.list(principalOf(request).workspaceId, start, end)) {
      if (row.kind === 'stored') counts.set(row.minute, (counts.get(row.minute) ?? 0) + row.count);
    }
    const result: { at: string; count: number }[] = [];
    for (let at = start; at < end; at += MINUTE) result.push({ at: new Date(at).toISOString(), count: counts.get(at) ?? 0 });
    return { minutes: result };
  });

  app.get('/stats/sources', {
    config: { permission: 'sources:read' },
    schema: {
      tags: ['stats'],
      summary: 'Source counters per minute: events received, stored, rejected (by error code), dropped by the processor and withheld from destinations (by reason); oldest minute first, zeros included; kept for 25 hours',
      description:
        'Counts are written by each ingest process and processor thread about once a second, so the current minute may lag by a second. ' +
        '`unassigned` counts requests refused before any source could be named (missing or unknown writeKey; a body too large or unreadable whose writeKey is inside it rather than in the Authorization header), for the whole installation, as /metrics does.',
      querystring: Type.Intersect([Minutes, Type.Object({ sourceId: Type.Optional(Type.String({ minLength: 1 })) })]),
      response: {
        200: Type.Object({
          from: Type.String({ format: 'date-time' }),
          to: Type.String({ format: 'date-time' }),
          sources: Type.Array(SourceStats),
          unassigned: SourceSeries,
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const { start, end } = window(request.query.minutes ?? 60);
    const only = request.query.sourceId;
    const sources = (await store.sources.list(workspaceId)).filter((s) => only === undefined || s.id === only);
    if (only !== undefined && sources.length === 0) throw new SluiceError('not_found', `No source ${only} in this workspace.`);
    const rows = await store.sourceCounters.list(workspaceId, start, end, only);
    const bySource = new Map<string, SourceCounter[]>();
    for (const row of rows) {
      const list = bySource.get(row.sourceId);
      if (list) list.push(row);
      else bySource.set(row.sourceId, [row]);
    }
    const unassigned = await store.sourceCounters.list('', start, end, '');
    return {
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      sources: sources.map((s) => ({ id: s.id, name: s.name, ...sourceSeries(bySource.get(s.id) ?? [], start, end) })),
      unassigned: sourceSeries(unassigned, start, end),
    };
  });

  app.get('/stats', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['stats'],
      summary: 'Delivery counters per destination and minute (queued, delivered, retrying, failed, dropped; drops and failures by reason), oldest minute first, zeros included; kept for 24 hours',
      querystring: Type.Intersect([Minutes, Type.Object({ destinationId: Type.Optional(Type.String({ minLength: 1 })) })]),
      response: {
        200: Type.Object({
          from: Type.String({ format: 'date-time' }),
          to: Type.String({ format: 'date-time' }),
          destinations: Type.Array(DestinationStats),
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const { start, end } = window(request.query.minutes ?? 60);
    const only = request.query.destinationId;
    const destinations = (await store.destinations.list(workspaceId)).filter((d) => only === undefined || d.id === only);
    if (only !== undefined && destinations.length === 0) throw new SluiceError('not_found', `No destination ${only} in this workspace.`);
    const rows = await store.deliveries.counters(workspaceId, start, end, only);
    const byDestination = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = byDestination.get(row.destinationId);
      if (list) list.push(row);
      else byDestination.set(row.destinationId, [row]);
    }
    return {
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      destinations: destinations.map((d) => {
        const totals = zero();
        const byReason: ReasonCounts = { dropped: {}, failed: {}, retrying: {} };
        const minutes = new Map<number, { counts: CountRow; byReason: ReasonCounts }>();
        for (const row of byDestination.get(d.id) ?? []) {
          let minute = minutes.get(row.minute);
          if (!minute) minutes.set(row.minute, (minute = { counts: zero(), byReason: { dropped: {}, failed: {}, retrying: {} } }));
          totals[row.status] += row.count;
          minute.counts[row.status] += row.count;
          if (row.status === 'dropped' || row.status === 'failed' || row.status === 'retrying') {
            // Retries were counted without a reason ('') before they carried one (December 2026).
            const reason = row.reason || 'unknown';
            byReason[row.status][reason] = (byReason[row.status][reason] ?? 0) + row.count;
            minute.byReason[row.status][reason] = (minute.byReason[row.status][reason] ?? 0) + row.count;
          }
        }
        const reasonFields = (r: ReasonCounts) => ({ droppedByReason: r.dropped, failedByReason: r.failed, retryingByReason: r.retrying });
        const perMinute = [];
        for (let at = start; at < end; at += MINUTE) {
          const minute = minutes.get(at);
          perMinute.push({ at: new Date(at).toISOString(), ...(minute?.counts ?? zero()), ...reasonFields(minute?.byReason ?? { dropped: {}, failed: {}, retrying: {} }) });
        }
        return { id: d.id, name: d.name, type: d.type, totals, ...reasonFields(byReason), perMinute };
      }),
    };
  });
};
