import { SluiceError } from '../core/errors.js';
import { EVENT_TYPES } from '../protocol/segment-event.js';
import type { SourceRepository } from '../store/store.js';
import type { ReplayRange } from './replay.js';

/** How the asker names the range's fields: the API's body fields, or the CLI's options. */
export interface ReplayFieldNames {
  readonly type: string;
  readonly sourceId: string;
}

/**
 * Refuses a range narrowed by a `type` that is no Segment event type, or by a source that is not in the
 * workspace (`validation_failed`): such a replay matches nothing, and would otherwise complete with 0 events as
 * if the range were empty.
 */
export async function checkReplayRange(sources: Pick<SourceRepository, 'get'>, workspaceId: string, range: ReplayRange, names: ReplayFieldNames): Promise<void> {
  if (range.type !== undefined && !(EVENT_TYPES as readonly string[]).includes(range.type)) {
    throw new SluiceError('validation_failed', `${names.type} ${JSON.stringify(range.type)} is not an event type: use one of ${EVENT_TYPES.join(', ')}.`);
  }
  if (range.sourceId !== undefined && !(await sources.get(workspaceId, range.sourceId))) {
    throw new SluiceError('validation_failed', `${names.sourceId}: no source ${range.sourceId} in this workspace (GET /api/v1/sources lists them).`);
  }
}
