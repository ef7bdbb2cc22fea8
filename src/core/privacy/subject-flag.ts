import type { SubjectIdentifier } from './subject.js';

/** A fact about a subject that changes how Sluice treats them, e.g. `child` (under the age threshold). */
export interface SubjectFlag {
  workspaceId: string;
  subject: SubjectIdentifier;
  flag: 'child';
  detail: string | null;
  createdAt: number;
}
