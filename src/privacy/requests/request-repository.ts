import type { PrivacyRequest, RequestChannel, RequestStatus, RequestTransition, RequestType } from './request.js';

/** The fields a lifecycle step may change besides the status. */
export type RequestPatch = Partial<
  Pick<
    PrivacyRequest,
    | 'verified'
    | 'verifiedBy'
    | 'dueAt'
    | 'receiptConfirmedAt'
    | 'extendedAt'
    | 'extensionReason'
    | 'respondedAt'
    | 'denialReason'
    | 'failure'
    | 'result'
    | 'attempts'
    | 'retainUntil'
    | 'contactEmail'
    | 'closedWithoutDecision'
  >
> & { nextAttemptAt?: number | null; leaseUntil?: number | null; workState?: unknown; statusCheckAt?: number | null };

/**
 * A condition a write takes besides the status: the request's `result` must still be the one the caller read (compared
 * as JSON values, atomically with the write). Two people sending a correction again to its failed recipients at the
 * same moment both read the same result; only the first write finds it unchanged (correction-follow-up.ts).
 */
export interface RequestGuard {
  readonly result: unknown;
}

export interface RequestListFilter {
  readonly status?: readonly RequestStatus[];
  readonly type?: RequestType;
  readonly channel?: RequestChannel;
  /** Only requests answered at this address (`contactEmail`, compared in lower case). */
  readonly contactEmail?: string;
  /** Only requests whose dueAt is before this instant. */
  readonly dueBefore?: number;
  readonly receivedFrom?: number;
  readonly receivedTo?: number;
  /** `received` (default): newest received first; `due`: soonest due first (the deadline lists: the limit keeps the most urgent). */
  readonly order?: 'received' | 'due';
  readonly limit: number;
}

/** A subject's pending one-time verification code, as stored (the code itself is never stored). */
export interface VerificationCodeRecord {
  readonly requestId: string;
  readonly workspaceId: string;
  /** HMAC of the code bound to the request (`Keys.sign`). */
  readonly codeHash: string;
  readonly expiresAt: number;
  readonly attemptsLeft: number;
  readonly createdAt: number;
}

/**
 * Durable data-subject requests. Every status change is conditional on the status the caller saw
 * (optimistic concurrency: two admins, or an admin and the executor, never both win), and appends a
 * transition in the same transaction.
 */
export interface PrivacyRequestRepository {
  create(request: PrivacyRequest, transition: RequestTransition): Promise<void>;
  get(workspaceId: string, id: string): Promise<PrivacyRequest | undefined>;
  /** Newest first. */
  list(workspaceId: string, filter: RequestListFilter): Promise<PrivacyRequest[]>;
  /**
   * Applies `patch` and moves the status from `from` to `transition.to`, only if the request is still in
   * `from` (and, with `guard`, its result is still the one read); returns the updated request, or undefined when
   * someone else moved or changed it first.
   */
  transition(workspaceId: string, id: string, from: RequestStatus, patch: RequestPatch, transition: RequestTransition, guard?: RequestGuard): Promise<PrivacyRequest | undefined>;
  transitions(workspaceId: string, id: string): Promise<RequestTransition[]>;
  /**
   * Leases the oldest runnable request (status processing, due for an attempt, not leased) to one worker
   * for `leaseMs`; undefined when there is none.
   */
  claimRunnable(now: number, leaseMs: number): Promise<PrivacyRequest | undefined>;
  /**
   * Leases the request whose deletion status check is most overdue (a completed or failed deletion with jobs
   * still running at asynchronous tools) for `leaseMs`, by moving its next check past the lease; undefined when
   * none is due.
   */
  claimStatusCheck(now: number, leaseMs: number): Promise<PrivacyRequest | undefined>;
  /**
   * Saves a status check's updated result and next check (null: none), without a transition; with `guard`, only if
   * the result is still the one read. Whether it was saved.
   */
  saveStatusCheck(workspaceId: string, id: string, result: unknown, statusCheckAt: number | null, guard?: RequestGuard): Promise<boolean>;
  /** Saves the executor's resumable state of a request it holds the lease of (no transition recorded). */
  saveWorkState(workspaceId: string, id: string, state: unknown): Promise<void>;
  /** Stores (or replaces) the request's verification code. */
  putCode(record: VerificationCodeRecord): Promise<void>;
  getCode(workspaceId: string, requestId: string): Promise<VerificationCodeRecord | undefined>;
  /**
   * Uses up one attempt of the request's code, atomically: returns the record as it was before, or undefined
   * when there is no code or no attempt left (so concurrent guesses never exceed the limit).
   */
  consumeCodeAttempt(workspaceId: string, requestId: string): Promise<VerificationCodeRecord | undefined>;
  deleteCode(workspaceId: string, requestId: string): Promise<void>;
  /**
   * Deletes requests (and their history) whose record-keeping period ended before `now`; returns how many. Also
   * deletes codes of no request (a new download link's, `subject-new-links.ts`) that expired before `now`.
   */
  deleteExpired(now: number): Promise<number>;
}
