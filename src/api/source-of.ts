import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import type { Store } from '../store/store.js';

/** A source of the caller's workspace, or `not_found` (404): what every route under /sources/:id starts with. */
export async function sourceOf(store: Pick<Store, 'sources'>, workspaceId: string, id: string): Promise<Source> {
  const source = await store.sources.get(workspaceId, id);
  if (!source) throw new SluiceError('not_found', `No source ${id} in this workspace.`);
  return source;
}
