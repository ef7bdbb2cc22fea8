/** Row types of the accounts tables: API tokens, members and their two-factor, sessions and one-time links, policy versions and acceptances, the audit log (src/store/sql/schema.ts's `Database` names them). */
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
