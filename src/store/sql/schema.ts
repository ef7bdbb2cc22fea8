import type { ColumnType, Generated } from 'kysely';
import type { ApiTokenTable, AuditLogTable, AuditHeadTable, MemberTwoFactorTable, MemberRecoveryCodeTable, MemberTable, SessionTable, AccountLinkTable, PolicyVersionTable, PolicyAcceptanceTable } from './schema-accounts.js';
import type { PrivacyRequestTable, PrivacyRequestCodeTable, PrivacyRequestTransitionTable, SuppressionTable, ConsentLedgerTable, ConsentBannerTextTable, ConsentStateTable, SubjectFlagTable, PiiInventoryTable, RetentionCursorTable, EventPruneMarkTable, SubjectRestrictionTable, SubjectEmailTable } from './schema-privacy.js';
import type { AlertWebhookPostTable, DestinationAlertTable, PipelineAlertTable, ProcessHeartbeatTable, ProcessingMarkTable, RoleAlertTable } from './schema-alerts.js';

export type { AlertWebhookPostTable, DestinationAlertTable, PipelineAlertTable, ProcessHeartbeatTable, ProcessingMarkTable, RoleAlertTable };
export type { ApiTokenTable, AuditLogTable, AuditHeadTable, MemberTwoFactorTable, MemberRecoveryCodeTable, MemberTable, SessionTable, AccountLinkTable, PolicyVersionTable, PolicyAcceptanceTable };
export type { PrivacyRequestTable, PrivacyRequestCodeTable, PrivacyRequestTransitionTable, SuppressionTable, ConsentLedgerTable, ConsentBannerTextTable, ConsentStateTable, SubjectFlagTable, PiiInventoryTable, RetentionCursorTable, EventPruneMarkTable, SubjectRestrictionTable, SubjectEmailTable };

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
  alert_webhook_posts: AlertWebhookPostTable;
  subject_emails: SubjectEmailTable;
}
