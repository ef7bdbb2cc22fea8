import type { Store } from '../../store/store.js';
import { correctionRecipientsOf, isUnderWay } from './correction.js';
import { correctionFollowUps } from './correction-follow-up.js';
import { deletionFollowUps } from './deletion-follow-up.js';
import { objectionPurposesToDecide } from './objection-purposes.js';
import { isReceiptOverdue, type PrivacyRequest, type RequestStatus, type RequestType } from './request.js';

/** Requests still owing the subject an answer: the deadline lists. A failed one is among them until it is retried to an end. */
const OPEN_STATUSES: readonly RequestStatus[] = ['received', 'verifying', 'awaiting_approval', 'processing', 'failed'];

const DAY_MS = 86_400_000;

/** The privacy team's lists of requests: the queue, the deadline lists, the deletions to follow up. Reads only. */
export class RequestLists {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async list(workspaceId: string, filter: { status?: RequestStatus; type?: RequestType; limit?: number }): Promise<PrivacyRequest[]> {
    return this.store.privacyRequests.list(workspaceId, { ...(filter.status && { status: [filter.status] }), ...(filter.type && { type: filter.type }), limit: filter.limit ?? 100 });
  }

  /** Open requests past their due date, most overdue first. */
  async overdue(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, dueBefore: this.now(), order: 'due', limit: 1000 });
    return rows.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Open requests due within `days` days (overdue ones included), soonest first. */
  async dueSoon(workspaceId: string, days: number): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, dueBefore: this.now() + days * DAY_MS, order: 'due', limit: 1000 });
    return rows.sort((a, b) => a.dueAt - b.dueAt);
  }

  /**
   * Open requests whose receipt was not confirmed to the subject by its due date (CCPA 7021(a): 10 business days;
   * an email confirms it by itself when the request has a contact address), most overdue first.
   */
  async receiptOverdue(workspaceId: string): Promise<PrivacyRequest[]> {
    const now = this.now();
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, order: 'due', limit: 1000 });
    return rows.filter((r) => isReceiptOverdue(r, now)).sort((a, b) => a.receiptDueAt - b.receiptDueAt);
  }

  /**
   * Completed deletions with destinations a person must follow up (deletion-follow-up.ts), newest first; among the
   * newest 1,000 completed deletions.
   */
  async withDeletionFollowUps(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: ['completed'], type: 'delete', limit: 1000 });
    return rows.filter((r) => deletionFollowUps(r).length > 0);
  }

  /**
   * Completed corrections with a recipient whose delivery failed (correction-follow-up.ts), or one the team sent it
   * again to that is still on its way (so the list shows how the re-send ends: delivered, it leaves; failed again, it
   * stays with the new failure), newest first; among the newest 1,000.
   */
  async withCorrectionFollowUps(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: ['completed'], type: 'correct', limit: 1000 });
    return rows.filter((r) => correctionFollowUps(r).length > 0 || resentUnderWay(r));
  }

  /** Objections parked for the team's decision on purposes no consent category covers (objection-purposes.ts), soonest due first. */
  async awaitingObjectionDecisions(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: ['processing'], type: 'object', order: 'due', limit: 1000 });
    return rows.filter((r) => objectionPurposesToDecide(r).length > 0);
  }
}

/** A correction with a recipient sent again by the team whose delivery has not ended yet. */
function resentUnderWay(request: PrivacyRequest): boolean {
  return (correctionRecipientsOf(request.result) ?? []).some((r) => r.retriedAt !== undefined && isUnderWay(r.status));
}
