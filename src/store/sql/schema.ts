import type { ColumnType, Generated } from 'kysely';
import type { DestinationAlertTable, PipelineAlertTable, ProcessHeartbeatTable, ProcessingMarkTable, RoleAlertTable } from './schema-alerts.js';

export type { DestinationAlertTable, PipelineAlertTable, ProcessHeartbeatTable, ProcessingMarkTable, RoleAlertTable };

/**
 * The relational schema shared by the SQLite and PostgreSQL stores (Kysely table types). Times are epoch
 * milliseconds; JSON documents are text, so the same queries run on both dialects. Every row belongs to a
 * workspace.
 */
export interface WorkspaceTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
}

export interface ApiTokenTable {
  id: string;
  workspace_id: string;
  name: string;
  token_hash: string;
  role: string;
  member_id: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  /** The token a rotation replaced this one with (migration 1190); null: not rotated. */
  replaced_by: string | null;
}

export interface SourceTable {
  id: string;
  workspace_id: string;
  name: string;
  write_key: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface EventTable {
  seq: Generated<number>;
  workspace_id: string;
  source_id: string;
  message_id: string;
  type: string;
  event_name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  timestamp: number;
  received_at: number;
  payload: string;
}

export interface InstallationTable {
  key: string;
  value: string;
}

export interface ProfileTable {
  id: string;
  workspace_id: string;
  traits: string;
  trait_times: string;
  first_seen: number;
  last_seen: number;
  /** JSON array of MergeRefusal; null: none. */
  merge_refusals: string | null;
}

export interface IdentityTable {
  workspace_id: string;
  kind: string;
  value: string;
  profile_id: string;
}

export interface GroupTable {
  workspace_id: string;
  group_id: string;
  traits: string;
  trait_times: string;
  updated_at: number;
}

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

export interface AuditLogTable {
  id: string;
  workspace_id: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  workspace_id: string;
  seq: number;
  hash: string;
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

export interface MemberTwoFactorTable {
  workspace_id: string;
  member_id: string;
  sealed_secret: string;
  created_at: number;
  enabled_at: number | null;
  last_step: number | null;
}

export interface MemberRecoveryCodeTable {
  workspace_id: string;
  member_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface MemberTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  password_hash: string | null;
  must_reset_password: number;
  profile_locked: number;
  product_emails_opt_out: number;
  delivery_alert_emails_opt_out: number;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

export interface SessionTable {
  secret_hash: string;
  id: string;
  workspace_id: string;
  member_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  ip: string | null;
  /** Migration 1140: noted at most once a minute; null until first used after the migration. */
  last_used_at: number | null;
  user_agent: string | null;
}

export interface AccountLinkTable {
  secret_hash: string;
  workspace_id: string;
  member_id: string | null;
  purpose: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PolicyVersionTable {
  id: string;
  workspace_id: string;
  version: number;
  title: string;
  text: string | null;
  url: string | null;
  effective_at: number;
  material: number;
  published_at: number;
  published_by: string;
}

export interface PolicyAcceptanceTable {
  workspace_id: string;
  member_id: string;
  policy_version_id: string;
  accepted_at: number;
  ip: string | null;
}

export interface DestinationTable {
  id: string;
  workspace_id: string;
  name: string;
  type: string;
  config: string;
  secrets: string | null;
  source_ids: string | null;
  consent_categories: string | null;
  /** JSON list of destination filters; null = none (rows from before migration 0820). */
  filters: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
  /** Since when it has been enabled without a break; null while disabled (migration 1070). */
  enabled_at: number | null;
  /** When the destination was deleted (a tombstone since migration 0980); null while it is configured. */
  deleted_at: number | null;
  /** Who deleted it (the actor label); null while it is configured. */
  deleted_by: string | null;
}

export interface DeliveryTable {
  workspace_id: string;
  destination_id: string;
  message_id: string;
  source_id: string;
  status: string;
  attempts: number;
  reason: string | null;
  last_error: string | null;
  updated_at: number;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
}

export interface DeliveryCounterTable {
  workspace_id: string;
  destination_id: string;
  minute: number;
  status: string;
  reason: string;
  count: number;
}

export interface SourceCounterTable {
  workspace_id: string;
  source_id: string;
  minute: number;
  kind: string;
  reason: string;
  count: number;
}

/** The latest rejection per source and error code (migration 0950); `example` is JSON (RejectionExample). */
export interface SourceRejectionTable {
  source_id: string;
  code: string;
  workspace_id: string;
  message: string;
  at: number;
  example: string | null;
}

/** The latest event of a source the processor dropped before storage, per reason (migration 1170). */
export interface SourceDropTable {
  source_id: string;
  reason: string;
  workspace_id: string;
  message: string;
  at: number;
  example: string | null;
}

/** A fixed-window rate-limit counter (migration 1010); `key` is an HMAC of what is limited, never the value itself. */
export interface RateLimitWindowTable {
  key: string;
  window_start: number;
  count: number;
}

export interface DisclosureProfileTable {
  workspace_id: string;
  resource_type: string;
  resource_id: string;
  resource_name: string;
  profile: string;
  updated_at: number;
  removed_at: number | null;
}

/** One row per ChangeFeed topic: bumped by each configuration change (migration 0910). */
export interface ConfigVersionTable {
  topic: string;
  version: number;
}

/** One replay of stored events to a destination (migrations 0930, 0931; src/replay/). `range` and `cursor` are JSON. */
export interface ReplayTable {
  id: string;
  workspace_id: string;
  destination_id: string;
  range: string;
  status: string;
  total: number;
  read: number;
  queued: number;
  dropped: number;
  after_seq: number;
  kind: string;
  cursor: string | null;
  error: string | null;
  requested_by: string;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** Until when a destination asked to be left alone (Retry-After on a whole batch); migration 0940. */
export interface DestinationPauseTable {
  destination_id: string;
  workspace_id: string;
  paused_until: number;
  reason: string;
}

export interface Database {
  disclosure_profiles: DisclosureProfileTable;
  workspaces: WorkspaceTable;
  api_tokens: ApiTokenTable;
  sources: SourceTable;
  events: EventTable;
  installation: InstallationTable;
  profiles: ProfileTable;
  identities: IdentityTable;
  groups: GroupTable;
  privacy_requests: PrivacyRequestTable;
  privacy_request_transitions: PrivacyRequestTransitionTable;
  audit_log: AuditLogTable;
  audit_heads: AuditHeadTable;
  suppressions: SuppressionTable;
  consent_ledger: ConsentLedgerTable;
  consent_state: ConsentStateTable;
  consent_banner_texts: ConsentBannerTextTable;
  subject_flags: SubjectFlagTable;
  pii_inventory: PiiInventoryTable;
  retention_cursors: RetentionCursorTable;
  event_prune_marks: EventPruneMarkTable;
  subject_restrictions: SubjectRestrictionTable;
  members: MemberTable;
  member_two_factor: MemberTwoFactorTable;
  member_recovery_codes: MemberRecoveryCodeTable;
  sessions: SessionTable;
  account_links: AccountLinkTable;
  policy_versions: PolicyVersionTable;
  policy_acceptances: PolicyAcceptanceTable;
  destinations: DestinationTable;
  deliveries: DeliveryTable;
  privacy_request_codes: PrivacyRequestCodeTable;
  delivery_counters: DeliveryCounterTable;
  source_counters: SourceCounterTable;
  source_rejections: SourceRejectionTable;
  source_drops: SourceDropTable;
  config_versions: ConfigVersionTable;
  replays: ReplayTable;
  destination_pauses: DestinationPauseTable;
  rate_limit_windows: RateLimitWindowTable;
  destination_alerts: DestinationAlertTable;
  pipeline_alerts: PipelineAlertTable;
  process_heartbeats: ProcessHeartbeatTable;
  role_alerts: RoleAlertTable;
  processing_marks: ProcessingMarkTable;
}
