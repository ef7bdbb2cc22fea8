import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import type { Store } from '../store/store.js';

/**
 * A source of the caller's workspace, or `not_found` (404): what every route under /sources/:id starts with. A writeKey
 * given as the id is answered with the id it stands for.
 */
export async function sourceOf(store: Pick<Store, 'sources'>, workspaceId: string, id: string): Promise<Source> {
  const source = await store.sources.get(workspaceId, id);
  if (source) return source;
  // The writeKey is what a new engineer has at hand (the start banner prints it): say which id it stands for.
  const byKey = await store.sources.byWriteKey(id);
  if (byKey && byKey.workspaceId === workspaceId) {
    throw new SluiceError('not_found', `No source ${id} in this workspace: that is the writeKey of source "${byKey.name}", whose id is ${byKey.id}. Routes under /sources/:id take the source's id (GET /api/v1/sources lists them).`);
  }
  throw new SluiceError('not_found', `No source ${id} in this workspace (GET /api/v1/sources lists them, with their ids).`);
}
