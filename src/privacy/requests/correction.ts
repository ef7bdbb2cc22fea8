import type { DeliveryRecord, DeliveryStatus } from '../../core/destination.js';
import type { Store } from '../../store/store.js';
import { correctionRoutes } from './correction-routes.js';
import type { PipelinePublisher } from './ports.js';
import type { PrivacyRequest } from './request.js';
import { resolveSubject, unlinkCorrectedEmails } from './subject.js';

/** Where the corrected identify went: one destination's delivery of it (GDPR 19: each recipient is told). */
export interface CorrectionRecipient {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  /** The delivery's state when the request was completed: `delivered`, `failed`, `dropped` (with `reason`), or still waiting. */
  readonly status: DeliveryStatus;
  readonly reason: string | null;
  readonly detail: string | null;
  /** When its delivery failed (the delivery log's time of the router's last answer); present only while `failed`. */
  readonly failedAt?: string;
  /** Who last sent it the corrected identify again after its delivery failed, and when (correction-follow-up.ts). */
  readonly retriedBy?: string;
  readonly retriedAt?: string;
  /**
   * Who confirmed by hand that the recipient was told another way, and when (correction-confirmed-by-hand.ts): the
   * recipient then reads `delivered` with reason `confirmed_by_hand`, its detail holding their note and what failed.
   */
  readonly confirmedBy?: string;
  readonly confirmedAt?: string;
  /** What it read before the confirmation by hand (its failure), put back if the confirmation is withdrawn. */
  readonly beforeConfirmation?: { readonly reason: string | null; readonly detail: string | null; readonly failedAt?: string };
}

/** A correction's result (the request's `result`). */
export interface CorrectionResult {
  readonly kind: 'correct';
  /** The trait names corrected (their values stay out of the record). */
  readonly traits: string[];
  readonly identify: { readonly messageId: string; readonly userId?: string; readonly anonymousId?: string };
  readonly unlinkedEmails: number;
  /** Each destination the corrected identify was routed to, and what came of it. */
  readonly recipients: CorrectionRecipient[];
}

/** What one attempt came to: done (with `failure` when it cannot be done), or look again after `afterMs`. */
export type CorrectionOutcome =
  | { readonly kind: 'done'; readonly result: CorrectionResult }
  | { readonly kind: 'failed'; readonly failure: string }
  | { readonly kind: 'pending'; readonly afterMs: number; readonly reason: string };

/** Kept in the request's work state between attempts, once the corrected identify is queued. */
interface CorrectionState {
  readonly correction: {
    readonly queuedAt: number;
    readonly identify: CorrectionResult['identify'];
    readonly unlinkedEmails: number;
    /** The sources it was queued on, each with the destinations meant to receive it there (absent in requests queued before routes). */
    readonly routes?: readonly { readonly sourceId: string; readonly destinationIds: readonly string[] }[];
  };
}

export interface CorrectionDeps {
  readonly store: Store;
  readonly pipeline: PipelinePublisher;
  readonly checkpoint: (state: CorrectionState) => Promise<void>;
  /** How long to wait for the destinations (the router's own retry window, SLUICE_RETRY_WINDOW_SECONDS). */
  readonly windowMs: number;
  readonly now?: () => number;
}

/** How soon a correction's deliveries are first looked at again, and the longest wait between looks (here and in correction-follow-up.ts). */
export const FIRST_LOOK_MS = 2_000;
export const LONGEST_WAIT_MS = 300_000;
/** A stored identify with no delivery row yet while destinations are enabled: fan-out may still be writing them. */
const FAN_OUT_GRACE_MS = 60_000;
const WAITING: readonly string[] = ['queued', 'retrying'] satisfies DeliveryStatus[];

/** A delivery of the corrected identify still on its way (queued, or retrying after a failed attempt). */
export function isUnderWay(status: string): boolean {
  return WAITING.includes(status);
}

/**
 * Rectification (GDPR 16) and its notification to every recipient (GDPR 19): the corrected traits go through the
 * pipeline as an identify of the person (so the profile and every enabled destination get them, through each source
 * a destination is connected to, once per destination: correction-routes.ts; with the pipeline's consent, filters and
 * retries), a corrected email replaces the wrong one as an identifier, and
 * the request is completed only once each destination's delivery of that identify has ended (delivered, dropped
 * with its reason, or failed after the router's retries), each recorded in the result's `recipients`. Waiting is
 * done by postponing the request (first after 2 s, doubling to 5 minutes), at most the router's retry window.
 * The identify is queued once: the work state remembers it, so a later attempt only looks at the deliveries.
 */
export async function correctSubject(deps: CorrectionDeps, request: PrivacyRequest): Promise<CorrectionOutcome> {
  const now = deps.now?.() ?? Date.now();
  const ws = request.workspaceId;
  const kept = (request.workState as Partial<CorrectionState> | null | undefined)?.correction;
  const traits = request.params.traits ?? {};
  let state = kept;
  if (!state) {
    const subject = await resolveSubject(deps.store.identities, ws, request.subject);
    const userId = subject.userIds[0];
    const anonymousId = subject.anonymousIds[0];
    if (!userId && !anonymousId) return { kind: 'failed', failure: 'the subject has no userId or anonymousId Sluice knows, so there is no profile to correct' };
    const routes = correctionRoutes(await deps.store.sources.list(ws), await deps.store.destinations.list(ws));
    if (routes.length === 0) return { kind: 'failed', failure: 'the workspace has no source to send the corrected identify through: create a source (POST /api/v1/sources), then file the correction again' };
    const identify = { messageId: `dsr-correct-${request.id}`, ...(userId ? { userId } : { anonymousId: anonymousId! }) };
    // One copy per route, the same messageId on each (a source deduplicates its own events by messageId, so an attempt
    // that fails halfway and is retried queues nothing twice).
    for (const route of routes) await deps.pipeline.publishIdentify({ workspaceId: ws, sourceId: route.sourceId, integrations: route.integrations, ...identify, traits });
    // A corrected email replaces the wrong one as an identifier too: the wrong one no longer finds the person (a
    // lookup, a later request); the identify links the right one. After the identify is queued, so that an attempt
    // that fails in between finds the person again by the wrong email when it is retried.
    const unlinkedEmails = await unlinkCorrectedEmails(deps.store, ws, subject, traits);
    state = { queuedAt: now, identify, unlinkedEmails, routes: routes.map(({ sourceId, destinationIds }) => ({ sourceId, destinationIds })) };
    await deps.checkpoint({ correction: state });
  }

  const { messageId } = state.identify;
  const copies = state.routes?.length ?? 1;
  const stored = new Set((await deps.store.events.query({ workspaceId: ws, messageId, limit: copies })).map((e) => e.sourceId)).size >= copies;
  const rows = stored ? meantFor(state, await deps.store.deliveries.forMessage(ws, messageId)) : [];
  const waited = now - state.queuedAt;
  const withinWindow = waited < deps.windowMs;
  const afterMs = Math.min(FIRST_LOOK_MS * 2 ** Math.min(request.attempts, 20), LONGEST_WAIT_MS);
  if (!stored) {
    if (withinWindow) return { kind: 'pending', afterMs, reason: 'the corrected identify is queued; waiting for the pipeline to process it' };
    return { kind: 'failed', failure: `the corrected identify (${messageId}) was queued ${Math.round(waited / 60_000)} minutes ago and never processed, so neither the profile nor any destination has the correction: check that a process runs the processor role (GET /api/v1/processes), then file the correction again` };
  }
  const waiting = rows.filter((r) => isUnderWay(r.status));
  if (withinWindow && waiting.length > 0) return { kind: 'pending', afterMs, reason: `the corrected identify is on its way to ${waiting.length} destination(s); waiting for each to receive it` };
  const configured = await deps.store.destinations.list(ws);
  if (withinWindow && rows.length === 0 && waited < FAN_OUT_GRACE_MS && configured.some((d) => d.enabled)) {
    return { kind: 'pending', afterMs, reason: 'the corrected identify is stored; waiting for its deliveries to be recorded' };
  }

  const named = new Map<string, { name: string; type: string }>();
  for (const d of configured) named.set(d.id, { name: d.name, type: d.type });
  for (const t of await deps.store.destinations.tombstones(ws)) named.set(t.id, { name: t.name, type: t.type });
  const recipients = bestPerDestination(rows).map((r): CorrectionRecipient => ({
    destinationId: r.destinationId,
    name: named.get(r.destinationId)?.name ?? r.destinationId,
    type: named.get(r.destinationId)?.type ?? 'unknown',
    status: r.status,
    reason: r.reason,
    detail: r.lastError,
    ...failedAtOf(r),
  }));
  return { kind: 'done', result: { kind: 'correct', traits: Object.keys(traits), identify: state.identify, unlinkedEmails: state.unlinkedEmails, recipients } };
}

/**
 * The deliveries that tell a recipient: on a destination's own route. A copy sent through a later source names its
 * destinations in `integrations`, so a destination also connected to that source has a second row there, dropped
 * for `integrations`: not a recipient's answer. A destination connected after the identify was queued has no route;
 * its row, if any, counts.
 */
function meantFor(state: CorrectionState['correction'], rows: readonly DeliveryRecord[]): DeliveryRecord[] {
  if (!state.routes) return [...rows];
  const routeOf = new Map<string, string>();
  for (const route of state.routes) for (const id of route.destinationIds) routeOf.set(id, route.sourceId);
  return rows.filter((r) => {
    const sourceId = routeOf.get(r.destinationId);
    return sourceId === undefined ? !(r.status === 'dropped' && r.reason === 'integrations') : sourceId === r.sourceId;
  });
}

/**
 * One delivery per destination: its best outcome when it has several (a destination connected after the identify was
 * queued may have one per route): delivered, then failed or still under way, then dropped. The result's recipients
 * are made so; the person's email reads any stored list through it too.
 */
export function bestPerDestination<T extends { readonly destinationId: string; readonly status: string }>(rows: readonly T[]): T[] {
  const rank = (r: T) => (r.status === 'delivered' ? 0 : r.status === 'dropped' ? 2 : 1);
  const best = new Map<string, T>();
  for (const r of rows) {
    const seen = best.get(r.destinationId);
    if (!seen || rank(r) < rank(seen)) best.set(r.destinationId, r);
  }
  return [...best.values()];
}

/** When a delivery failed, for a recipient (`failedAt`): only a failed one has it. */
export function failedAtOf(row: Pick<DeliveryRecord, 'status' | 'updatedAt'>): { failedAt?: string } {
  return row.status === 'failed' ? { failedAt: new Date(row.updatedAt).toISOString() } : {};
}

/** A recipient without its failure time (it is no longer failed). */
export function withoutFailedAt(recipient: CorrectionRecipient): CorrectionRecipient {
  const { failedAt: _failedAt, ...rest } = recipient;
  return rest;
}

/** A correction request's recipients, from its stored result (none for any other result). */
export function correctionRecipientsOf(result: unknown): CorrectionRecipient[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { kind, recipients } = result as { kind?: unknown; recipients?: unknown };
  return kind === 'correct' && Array.isArray(recipients) ? (recipients as CorrectionRecipient[]) : undefined;
}
