import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';

/**
 * The `not_found` answer of `GET /events/:messageId` when no event with the messageId is stored: when the source's
 * latest rejection or drop of some reason was that very event (the Tracking API refused it, or accepted it and the
 * processor dropped it before storage), it says so, with when, the code or reason and the message kept for it
 * (`error.rejected` / `error.dropped`); otherwise that it may still be in the inbox, or was refused or dropped
 * longer ago than what is kept (the latest per code and source, for the counters' retention).
 */
export async function eventNotStored(store: Store, workspaceId: string, messageId: string, sourceId?: string): Promise<SluiceError> {
  const from = sourceId === undefined ? '' : ` from source ${sourceId}`;
  const sources = sourceId === undefined ? (await store.sources.list(workspaceId)).map((s) => s.id) : [sourceId];
  let found: { kind: 'rejected' | 'dropped'; sourceId: string; code: string; message: string; at: number } | undefined;
  for (const id of sources) {
    const [rejections, drops] = await Promise.all([store.sourceCounters.rejections(workspaceId, id, 0), store.sourceCounters.drops(workspaceId, id, 0)]);
    for (const r of rejections) {
      if (r.example?.messageId === messageId && (!found || r.at > found.at)) found = { kind: 'rejected', sourceId: id, code: r.code, message: r.message, at: r.at };
    }
    for (const d of drops) {
      if (d.example?.messageId === messageId && (!found || d.at > found.at)) found = { kind: 'dropped', sourceId: id, code: d.reason, message: d.message, at: d.at };
    }
  }
  if (!found) {
    return new SluiceError('not_found', `No stored event with messageId ${messageId}${from}: it may still be in the inbox, or it was rejected or dropped before storage longer ago than Sluice keeps (the latest rejection per code and drop per reason of each source: GET /api/v1/sources/:id/rejections, and the live debugger).`);
  }
  const at = new Date(found.at).toISOString();
  const detail = { sourceId: found.sourceId, at, message: found.message };
  if (found.kind === 'rejected') {
    return new SluiceError('not_found', `No stored event with messageId ${messageId}${from}: the Tracking API rejected it at ${at} (source ${found.sourceId}), ${found.code}: ${found.message}`, { rejected: { code: found.code, ...detail } });
  }
  return new SluiceError('not_found', `No stored event with messageId ${messageId}${from}: the Tracking API accepted it and it was dropped before storage at ${at} (source ${found.sourceId}), ${found.code}: ${found.message}`, { dropped: { reason: found.code, ...detail } });
}
