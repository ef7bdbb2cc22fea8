import type { Store } from '../../store/store.js';
import type { RequestService } from './request-service.js';
import { requestSettingsOf } from './request-settings.js';
import { SUBJECT_EMAIL_TEXTS } from './subject-email-texts.js';

const DAY_MS = 86_400_000;
/** Requests looked at per workspace and sweep; the next sweep (hourly) takes the rest. */
const SWEEP_LIMIT = 500;

/** A request closed because nobody verified it in time. */
export interface ClosedUnverified {
  readonly workspaceId: string;
  readonly requestId: string;
}

/**
 * Denies the requests made on the hosted page (`subject_portal`) that are still `verifying` once the workspace's
 * `closeUnverifiedAfterDays` have passed since they were received. Their emailed code expired long ago, so the
 * subject can no longer verify them, and the law still wants an answer by the deadline (CCPA 7021: 45 days
 * "regardless of verification time"): the denial tells the subject why and that they may ask again (the denial
 * notice, subject-notices.ts), and the request leaves the privacy team's queue with its history and audit entry.
 * Requests an admin entered (`admin_api`) are left alone: the team verifies those by its own means.
 * A request verified or denied meanwhile by someone else is skipped.
 */
export async function closeUnverifiedRequests(deps: { store: Store; requests: RequestService }, now: number): Promise<ClosedUnverified[]> {
  const { store, requests } = deps;
  const closed: ClosedUnverified[] = [];
  for (const workspace of await store.workspaces.list()) {
    const days = requestSettingsOf(workspace).closeUnverifiedAfterDays;
    if (days === 0) continue;
    const stale = await store.privacyRequests.list(workspace.id, { status: ['verifying'], channel: 'subject_portal', receivedTo: now - days * DAY_MS, order: 'due', limit: SWEEP_LIMIT });
    for (const request of stale) {
      // Told to the subject in the language the request was filed in (their denial notice quotes it).
      const reason = SUBJECT_EMAIL_TEXTS[request.language].unverified.notEntered(days);
      if (!(await requests.denyUnverified(request, 'system', reason))) continue;
      await store.privacyRequests.deleteCode(workspace.id, request.id);
      closed.push({ workspaceId: workspace.id, requestId: request.id });
    }
  }
  return closed;
}
