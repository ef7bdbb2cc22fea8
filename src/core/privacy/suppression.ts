import type { IdentifierType } from './subject.js';

/**
 * A suppressed identifier: events naming it (or any identity linked to it) are dropped before storage.
 * `identifier` is in clear for suppress requests, and a keyed hash when kept after a deletion.
 */
export interface Suppression {
  id: string;
  workspaceId: string;
  identifier: string;
  /** Keys.pseudonym of the normalized identifier: how events are matched, hashed or not. */
  identifierHash: string;
  hashed: boolean;
  type: IdentifierType;
  requestId: string | null;
  createdAt: number;
}
