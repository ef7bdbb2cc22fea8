import type { Language } from '../../core/i18n/languages.js';
import type { Regulation } from './deadlines.js';

/** Every kind of data-subject request Sluice answers (CONTRACT.md: POST /privacy-requests `type`). */
export const REQUEST_TYPES = [
  'access',
  'delete',
  'correct',
  'restrict',
  'unrestrict',
  'object',
  'opt_out',
  'limit_sensitive',
  'unlimit_sensitive',
  'suppress',
  'unsuppress',
  'know',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** The lifecycle: received -> verifying -> (awaiting_approval) -> processing -> completed | denied | failed. */
export const REQUEST_STATUSES = ['received', 'verifying', 'awaiting_approval', 'processing', 'completed', 'denied', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RequestStatus[] = ['completed', 'denied', 'failed'];

/**
 * The statuses that answer the subject (GDPR Art. 12(3), CCPA 7021): a failed request has not been answered, so
 * it stays on the deadline lists and counts as open in the metrics until it is retried to an end.
 */
export const ANSWERED_STATUSES: readonly RequestStatus[] = ['completed', 'denied'];

export function isAnswered(request: Pick<PrivacyRequest, 'status'>): boolean {
  return ANSWERED_STATUSES.includes(request.status);
}

/** Not yet answered, its receipt not confirmed to the subject, and past the date it had to be (`receiptDueAt`). */
export function isReceiptOverdue(request: Pick<PrivacyRequest, 'status' | 'receiptConfirmedAt' | 'receiptDueAt'>, now: number): boolean {
  return !isAnswered(request) && request.receiptConfirmedAt === null && now > request.receiptDueAt;
}

/** The identifiers a request names; the executor widens them to the whole identity graph. */
export interface RequestSubject {
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly email?: string;
}

/** Type-specific parameters. */
export interface RequestParams {
  /** correct: the corrected traits. */
  readonly traits?: Readonly<Record<string, unknown>>;
  /** object: the consent categories objected to (empty/absent: every optional category). */
  readonly categories?: readonly string[];
  /** object: the purposes objected to (recorded as given). */
  readonly purposes?: readonly string[];
  /** delete: keep a hashed suppression entry so the subject stays deleted (default true). */
  readonly suppress?: boolean;
}

/** Someone acting for the subject (CCPA 7063): who, and the reference of the signed permission. */
export interface AuthorizedAgent {
  readonly name: string;
  readonly email?: string;
  readonly proofReference: string;
}

/** How the request reached Sluice. */
/** `system`: opened by Sluice itself (e.g. a deletion for a subject found to be a child). */
export type RequestChannel = 'admin_api' | 'subject_portal' | 'system';

export interface PrivacyRequest {
  readonly id: string;
  readonly workspaceId: string;
  readonly type: RequestType;
  readonly status: RequestStatus;
  readonly regulation: Regulation;
  readonly subject: RequestSubject;
  readonly params: RequestParams;
  readonly channel: RequestChannel;
  readonly verified: boolean;
  readonly verifiedBy: string | null;
  readonly agent: AuthorizedAgent | null;
  /** Where notices to the subject go (the subject's email unless an agent's is given). */
  readonly contactEmail: string | null;
  /**
   * The language the request was filed in (the hosted page's, or as the privacy team set it; default English):
   * every email to the subject about it is written in it (decision 0407).
   */
  readonly language: Language;
  readonly createdBy: string;
  readonly receivedAt: number;
  readonly dueAt: number;
  readonly receiptDueAt: number;
  readonly receiptConfirmedAt: number | null;
  readonly extendedAt: number | null;
  readonly extensionReason: string | null;
  /** When the subject was answered: the request reached completed or denied (a failed request has no answer yet). */
  readonly respondedAt: number | null;
  readonly denialReason: string | null;
  readonly failure: string | null;
  /** The certificate, report or export summary; JSON. */
  readonly result: unknown;
  readonly attempts: number;
  /** Kept until (CCPA 7101: 24 months after the response); null while the request is unanswered (kept). */
  readonly retainUntil: number | null;
  readonly updatedAt: number;
  /**
   * The executor's resumable state (e.g. a deletion waiting on a destination: the subject's identifiers and
   * the answers so far). Never shown by the API; cleared when the request completes.
   */
  readonly workState?: unknown;
  /**
   * When the executor next asks the tools that took this deletion as an asynchronous job whether it is done
   * (deletion-status-checks.ts); absent when nothing is left to ask.
   */
  readonly statusCheckAt?: number;
  /**
   * Set on a denied request that was closed without a decision on it: `superseded` (the subject made the same request
   * again before verifying it) or `never_verified` (the emailed code was never entered: the unverified sweep). The
   * request metrics count these apart from denials. Absent otherwise.
   */
  readonly closedWithoutDecision?: ClosedWithoutDecision;
}

/** How a request was closed without a decision (see `PrivacyRequest.closedWithoutDecision`). */
export const CLOSED_WITHOUT_DECISION = ['superseded', 'never_verified'] as const;
export type ClosedWithoutDecision = (typeof CLOSED_WITHOUT_DECISION)[number];

/** One step of the lifecycle, kept with the request (and sent to the audit log once it exists). */
export interface RequestTransition {
  readonly requestId: string;
  readonly from: RequestStatus | null;
  readonly to: RequestStatus;
  readonly at: number;
  readonly actor: string;
  /** What happened: `created`, `verified`, `approved`, `denied`, `extended`, `completed`, ... */
  readonly action: string;
  readonly note: string | null;
}

/** Opt-outs and limit requests need no verification (CCPA 7026(d), 7027(f)); neither does suppression. */
export function needsVerification(type: RequestType): boolean {
  return !(type === 'opt_out' || type === 'limit_sensitive' || type === 'suppress');
}

const ALLOWED: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  received: ['verifying', 'processing', 'awaiting_approval', 'denied'],
  verifying: ['awaiting_approval', 'processing', 'denied'],
  awaiting_approval: ['processing', 'denied'],
  processing: ['completed', 'failed', 'denied'],
  completed: [],
  denied: [],
  failed: ['processing'],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** 24 months of record keeping after the response (CCPA 11 CCR 7101). */
export const RETENTION_MONTHS = 24;
