import type { ColumnType, Generated } from 'kysely';

/** Row types of the privacy tables: requests and their codes and steps, suppressions, the consent ledger and state, subject flags and restrictions, the PII inventory, retention marks (src/store/sql/schema.ts's `Database` names them). */
export interface PrivacyRequestTable {
  id: string;
  workspace_id: string;
  type: string;
  status: string;
  regulation: string;
  subject: string;
  params: string;
  channel: string;
  verified: number;
  verified_by: string | null;
  agent: string | null;
  contact_email: string | null;
  created_by: string;
  received_at: number;
  due_at: number;
  receipt_due_at: number;
  receipt_confirmed_at: number | null;
  extended_at: number | null;
  extension_reason: string | null;
  responded_at: number | null;
  denial_reason: string | null;
  failure: string | null;
  result: string | null;
  attempts: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  retain_until: number | null;
  /** When the executor next asks tools whether the deletion jobs they took are done; null: nothing to ask. */
  status_check_at: number | null;
  updated_at: number;
  /** The executor's resumable state (JSON), null when none. */
  work_state: string | null;
  /** A denial that decided nothing: `superseded`, `never_verified` (migration 1180); null otherwise. */
  closed_without_decision: string | null;
  /** The language the request was filed in, its emails' language (ISO 639-1; migration 1230). */
  language: string;
}

/** A subject's one-time verification code (HMAC of the code, never the code). */
export interface PrivacyRequestCodeTable {
  request_id: string;
  workspace_id: string;
  code_hash: string;
  expires_at: number;
  attempts_left: number;
  created_at: number;
}

export interface PrivacyRequestTransitionTable {
  seq: Generated<number>;
  workspace_id: string;
  request_id: string;
  from_status: string | null;
  to_status: string;
  action: string;
  actor: string;
  note: string | null;
  at: number;
}

export interface SuppressionTable {
  id: string;
  workspace_id: string;
  identifier: string;
  identifier_hash: string;
  hashed: number;
  type: string;
  request_id: string | null;
  created_at: number;
}

export interface ConsentLedgerTable {
  seq: Generated<number>;
  workspace_id: string;
  subject_type: string;
  subject: string;
  at: number;
  categories: string;
  source: string;
  gpc: number;
  policy_version: string | null;
  ip_hash: string | null;
  user_agent: string | null;
  message_id: string | null;
  request_id: string | null;
  /** Migration 1160: the banner wording the choice was made on (`consent_banner_texts.version`). */
  banner_version: string | null;
}

/** Migration 1160: each distinct wording of a workspace's consent banner, once, by the SHA-256 of its content. */
export interface ConsentBannerTextTable {
  workspace_id: string;
  version: string;
  /** JSON: `BannerContent`. */
  content: string;
  first_served_at: number;
}

export interface ConsentStateTable {
  workspace_id: string;
  subject_type: string;
  subject: string;
  choices: string;
  gpc_at: number | null;
  updated_at: number;
}

export interface SubjectFlagTable {
  workspace_id: string;
  subject_type: string;
  subject: string;
  flag: string;
  detail: string | null;
  created_at: number;
}

export interface PiiInventoryTable {
  workspace_id: string;
  source_id: string;
  path: string;
  level: string;
  label: string | null;
  detected_by: string;
  reviewed_level: string | null;
  reviewed_label: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  first_seen: number;
  last_seen: number;
}

export interface RetentionCursorTable {
  workspace_id: string;
  kind: string;
  last_seq: number;
  updated_at: number;
}

/** Before when the retention sweeper may have deleted a workspace's events (migration 0990). */
export interface EventPruneMarkTable {
  workspace_id: string;
  pruned_before: number;
  updated_at: number;
}

export interface SubjectRestrictionTable {
  workspace_id: string;
  kind: string;
  /** `userId`, `anonymousId`, `email`; '' for a row stored before kinds were (migration 1150): any kind. */
  identifier_type: ColumnType<string, string | undefined, string>;
  identifier: string;
  request_id: string;
  created_at: number;
}

/** An email to a data subject about a request, from its queueing to sent or given up (migration 1260). */
export interface SubjectEmailTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  request_id: string;
  kind: string;
  language: string;
  subject: string;
  /** The recipient and the text, sealed with the installation's key; '' once sent. */
  sealed_to: string;
  sealed_body: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  claimed_until: number | null;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  last_error: string | null;
  sent_at: number | null;
  gave_up_at: number | null;
  sent_again_by: string | null;
  sent_again_at: number | null;
}
