import type { Language } from '../../core/i18n/languages.js';

/** What an email to a data subject is about: one per kind of step the person is told of. */
export const SUBJECT_EMAIL_KINDS = ['receipt', 'extension', 'denial', 'completion', 'new_link', 'deletion_update', 'correction_update'] as const;
export type SubjectEmailKind = (typeof SUBJECT_EMAIL_KINDS)[number];

/**
 * Where an email stands: `queued` (not tried yet), `retrying` (the mail server could take it later: tried again at
 * `nextAttemptAt`), `sent` (the server took it), `gave_up` (refused for good, or not taken within the retry window).
 */
export const SUBJECT_EMAIL_STATUSES = ['queued', 'retrying', 'sent', 'gave_up'] as const;
export type SubjectEmailStatus = (typeof SUBJECT_EMAIL_STATUSES)[number];

/** One email to a data subject about a request (src/privacy/requests/subject-email-outbox.ts, decision 0802). */
export interface SubjectEmail {
  readonly id: string;
  /** Orders a request's emails: one is sent once every earlier one of its request is sent or given up. */
  readonly seq: number;
  readonly workspaceId: string;
  readonly requestId: string;
  readonly kind: SubjectEmailKind;
  readonly language: Language;
  /** The email's subject line (no personal data: the texts of subject-email-texts.ts). */
  readonly subject: string;
  /** The recipient and the text, sealed (`Keys.encrypt`); '' once sent. */
  readonly sealedTo: string;
  readonly sealedBody: string;
  readonly status: SubjectEmailStatus;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly firstAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  /** The mail server's last answer, addresses hidden. */
  readonly lastError: string | null;
  readonly sentAt: number | null;
  readonly gaveUpAt: number | null;
  /** Who sent a given-up email again, and when (the copy is an email of its own). */
  readonly sentAgainBy: string | null;
  readonly sentAgainAt: number | null;
}

/** An email as queued, before its first attempt. */
export type NewSubjectEmail = Pick<SubjectEmail, 'id' | 'workspaceId' | 'requestId' | 'kind' | 'language' | 'subject' | 'sealedTo' | 'sealedBody' | 'createdAt'>;

/** What one attempt came to, as recorded. */
export type SubjectEmailOutcome =
  | { readonly status: 'sent'; readonly at: number }
  | { readonly status: 'retrying'; readonly at: number; readonly error: string; readonly nextAttemptAt: number }
  | { readonly status: 'gave_up'; readonly at: number; readonly error: string; readonly attempted: boolean };

/**
 * The outgoing mail to data subjects. An email is claimed (leased) by the process that attempts it, so several jobs
 * processes share the sending and each attempt is made by one; a claim that ran out (the process died mid-attempt)
 * lets another try again (at least once: the person may get that email twice, never none).
 */
export interface SubjectEmailRepository {
  add(email: NewSubjectEmail): Promise<SubjectEmail>;
  /**
   * Claims up to `limit` emails due at `now` (queued, or retrying whose next attempt has come) that no process holds
   * and that are first in line for their request (no earlier email of it queued or retrying), until `claimedUntil`.
   */
  claimDue(now: number, claimedUntil: number, limit: number): Promise<SubjectEmail[]>;
  /** Records an attempt's outcome (or an email given up unattempted), releases the claim; a sent email's sealed address and text are emptied. */
  record(id: string, outcome: SubjectEmailOutcome): Promise<void>;
  /** A request's emails, oldest first. */
  ofRequest(workspaceId: string, requestId: string): Promise<SubjectEmail[]>;
  /** The emails of these requests, oldest first (a list's requests in one read per 500). */
  ofRequests(workspaceId: string, requestIds: readonly string[]): Promise<SubjectEmail[]>;
  get(workspaceId: string, id: string): Promise<SubjectEmail | undefined>;
  /**
   * Marks a given-up email as sent again by `by` (its sealed copy emptied: the new email carries it); false when it is
   * not given up or was sent again already (another member got there first).
   */
  markSentAgain(workspaceId: string, id: string, by: string, at: number): Promise<boolean>;
  /** Ids of the workspace's requests with an email given up and not sent again, newest email first, at most `limit`. */
  requestsWithGivenUp(workspaceId: string, limit: number): Promise<string[]>;
}
