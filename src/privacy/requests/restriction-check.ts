import type { SubjectDataRepository } from './subject-data.js';

/** The drop reason the fan-out records for a restricted subject's events (CONTRACT.md deliveries). */
export const RESTRICTED_REASON = 'restricted';

/**
 * Whether routing is stopped for a subject (GDPR 18 restriction), and whether their sensitive fields must
 * stop flowing (CPRA 1798.121). The fan-out calls `isRestricted` with an event's identifiers and drops the
 * event for every destination with reason `restricted`; the data stays stored.
 *
 * @example
 *   if (await restrictions.isRestricted(workspaceId, [event.userId, event.anonymousId])) return drop(RESTRICTED_REASON);
 */
export class RestrictionCheck {
  constructor(private readonly data: SubjectDataRepository) {}

  async isRestricted(workspaceId: string, identifiers: readonly (string | null | undefined)[]): Promise<boolean> {
    const ids = identifiers.filter((id): id is string => typeof id === 'string' && id !== '');
    return (await this.data.restricted(workspaceId, 'restrict', ids)).length > 0;
  }

  /** Which of these identifiers are restricted (one query; the fan-out asks once per batch). */
  async restrictedAmong(workspaceId: string, identifiers: readonly string[]): Promise<string[]> {
    if (identifiers.length === 0) return [];
    return this.data.restricted(workspaceId, 'restrict', identifiers);
  }

  async isSensitiveLimited(workspaceId: string, identifiers: readonly (string | null | undefined)[]): Promise<boolean> {
    const ids = identifiers.filter((id): id is string => typeof id === 'string' && id !== '');
    return (await this.data.restricted(workspaceId, 'limit_sensitive', ids)).length > 0;
  }
}
