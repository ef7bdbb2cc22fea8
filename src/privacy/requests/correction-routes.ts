import type { Destination } from '../../core/destination.js';
import type { Source } from '../../core/source.js';
import type { JsonObject } from '../../protocol/segment-event.js';

/** One copy of the corrected identify: the source it goes through, and the destinations it is meant for there. */
export interface CorrectionRoute {
  readonly sourceId: string;
  /** The destinations this copy is for (each enabled destination is on exactly one route). */
  readonly destinationIds: readonly string[];
  /** Segment's `integrations` object of this copy: `{}` (every destination of the source), or `All: false` naming them. */
  readonly integrations: JsonObject;
}

/** What the plan reads of a destination. */
type Connected = Pick<Destination, 'id' | 'name' | 'enabled' | 'sourceIds'>;

function reaches(destination: Connected, sourceId: string): boolean {
  return destination.sourceIds === null || destination.sourceIds.includes(sourceId);
}

/**
 * Which sources the corrected identify goes through so that every enabled destination receives it once (GDPR 19:
 * each recipient is told), whichever sources it is connected to. The first source (the oldest, as the workspace
 * lists them) carries it to every destination it reaches, as any identify would; each later source is used only
 * for destinations no earlier route reached, and its copy names them in `integrations` (`All: false`), so a
 * destination connected to two sources is not sent it twice. With no enabled destination, one copy goes through the
 * first source (the profile is still corrected). No source at all: no route.
 */
export function correctionRoutes(sources: readonly Pick<Source, 'id'>[], destinations: readonly Connected[]): CorrectionRoute[] {
  const enabled = destinations.filter((d) => d.enabled);
  const covered = new Set<string>();
  const routes: CorrectionRoute[] = [];
  for (const source of sources) {
    const reached = enabled.filter((d) => reaches(d, source.id));
    const fresh = reached.filter((d) => !covered.has(d.id));
    if (fresh.length === 0) continue;
    for (const d of fresh) covered.add(d.id);
    const integrations: JsonObject = fresh.length === reached.length ? {} : { All: false, ...Object.fromEntries(fresh.map((d) => [d.name, true])) };
    routes.push({ sourceId: source.id, destinationIds: fresh.map((d) => d.id), integrations });
  }
  if (routes.length === 0 && sources[0]) routes.push({ sourceId: sources[0].id, destinationIds: [], integrations: {} });
  return routes;
}
