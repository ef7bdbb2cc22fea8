import type { StoredDestination } from '../core/destination.js';
import { SluiceError } from '../core/errors.js';
import { EVENT_TYPES } from '../protocol/segment-event.js';
import type { SourceRepository } from '../store/store.js';
import type { ReplayRange } from './replay.js';

/** How the asker names the range's fields: the API's body fields, or the CLI's options. */
export interface ReplayFieldNames {
  readonly type: string;
  readonly event: string;
  readonly sourceId: string;
}

/**
 * Refuses a range narrowed by a `type` that is no Segment event type, by an empty event name or one with a type
 * other than track, by a source that is not in the workspace, or by a source the destination does not receive (its
 * `sourceIds`) (`validation_failed`): such a replay sends nothing, and would otherwise complete with 0 events queued
 * as if the range were empty.
 */
export async function checkReplayRange(
  sources: Pick<SourceRepository, 'get'>,
  destination: Pick<StoredDestination, 'id' | 'workspaceId' | 'sourceIds'>,
  range: ReplayRange,
  names: ReplayFieldNames,
): Promise<void> {
  if (range.type !== undefined && !(EVENT_TYPES as readonly string[]).includes(range.type)) {
    throw new SluiceError('validation_failed', `${names.type} ${JSON.stringify(range.type)} is not an event type: use one of ${EVENT_TYPES.join(', ')}.`);
  }
  if (range.event !== undefined && range.event.trim() === '') {
    throw new SluiceError('validation_failed', `${names.event} is empty: name a track event (as sent in "event"), or leave ${names.event} out to replay every event.`);
  }
  if (range.event !== undefined && range.type !== undefined && range.type !== 'track') {
    throw new SluiceError('validation_failed', `${names.event} names track events, so with ${names.type} ${JSON.stringify(range.type)} the replay would match nothing: use ${names.type} "track", or leave one of them out.`);
  }
  if (range.sourceId === undefined) return;
  if (!(await sources.get(destination.workspaceId, range.sourceId))) {
    throw new SluiceError('validation_failed', `${names.sourceId}: no source ${range.sourceId} in this workspace (GET /api/v1/sources lists them).`);
  }
  if (destination.sourceIds !== null && !destination.sourceIds.includes(range.sourceId)) {
    throw new SluiceError(
      'validation_failed',
      `${names.sourceId}: destination ${destination.id} does not receive source ${range.sourceId} (its sourceIds: ${destination.sourceIds.join(', ') || 'none'}), so the replay would send nothing; replay one of its sources, or add this one to its sourceIds first (PATCH /api/v1/destinations/${destination.id}).`,
    );
  }
}

/**
 * Refuses to send stored events again (a replay, a retry of one or every failed delivery) to a disabled destination
 * (`conflict`): it has no lane while disabled, so what was queued would wait unsent, and the answer's "queued" would
 * read as sent. `how` says how to enable it where the asker is (the API's PATCH, or the console's Enable).
 */
export function checkDestinationEnabled(destination: Pick<StoredDestination, 'id' | 'name' | 'enabled'>, what: string): void {
  if (destination.enabled) return;
  throw new SluiceError(
    'conflict',
    `Destination ${destination.id} (${destination.name}) is disabled: it is sent nothing while disabled, so the ${what} would only wait. Enable it first (PATCH /api/v1/destinations/${destination.id} with {"enabled": true}, or Enable on its page in the console), then ask again.`,
  );
}

/**
 * The time range a replay reads, as of `now` (when it is asked for): `from` must be before `to` and in the past, and
 * a `to` in the future is `now`. Events received after the replay was asked for reach the destination live; read by
 * the replay too (its pages read whatever the range holds when they run) they were delivered twice.
 */
export function replayWindow(from: number, to: number, now: number, names: { readonly from: string; readonly to: string }): { from: number; to: number } {
  if (!(from < to)) throw new SluiceError('validation_failed', `${names.from} must be before ${names.to}.`);
  if (from >= now) {
    throw new SluiceError('validation_failed', `${names.from} (${new Date(from).toISOString()}) is in the future: no event received then is stored yet, and events received from now on reach the destination without a replay.`);
  }
  return { from, to: Math.min(to, now) };
}
