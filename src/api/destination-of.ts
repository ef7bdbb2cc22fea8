import type { StoredDestination } from '../core/destination.js';
import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';

/** A destination of the caller's workspace, or `not_found` (404): what every route under /destinations/:id starts with. */
export async function destinationOf(store: Pick<Store, 'destinations'>, workspaceId: string, id: string): Promise<StoredDestination> {
  const destination = await store.destinations.get(workspaceId, id);
  if (!destination) throw new SluiceError('not_found', `No destination ${id} in this workspace.`);
  return destination;
}
