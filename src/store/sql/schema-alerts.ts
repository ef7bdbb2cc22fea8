import type { Generated } from 'kysely';

/** Row types of the alert episodes and the process heartbeats (the store's operational tables; src/store/sql/schema.ts's `Database` names them). */

/** An episode of a destination failing (migration 1020); open while `resolved_at` is null. */
export interface DestinationAlertTable {
  id: string;
  workspace_id: string;
  destination_id: string;
  opened_at: number;
  failures: number;
  attempts: number;
  top_reason: string;
  last_error: string | null;
  resolved_at: number | null;
  resolution: string | null;
  kind: Generated<string>;
  waiting: number | null;
  oldest_waiting_at: number | null;
  notified_at: number | null;
}

export interface RoleAlertTable {
  id: string;
  role: string;
  missing_since: number;
  opened_at: number;
  resolved_at: number | null;
  resolution: string | null;
}

export interface ProcessHeartbeatTable {
  id: string;
  /** The process's roles, comma-separated. */
  roles: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  seen_at: number;
}

export interface PipelineAlertTable {
  id: string;
  kind: string;
  opened_at: number;
  waiting_since: number;
  backlog: number;
  resolved_at: number | null;
  resolution: string | null;
}

export interface ProcessingMarkTable {
  mark: number;
  at: number;
  checked_at: number;
  marking_since: number;
}

/** A notice of an alert episode to a workspace's webhook (migration 1250): the alert webhook's outbox. */
export interface AlertWebhookPostTable {
  id: string;
  workspace_id: string;
  alert_id: string;
  notice_kind: string;
  receiver: string;
  format: string;
  sealed_url: string;
  sealed_body: string;
  state: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  claimed_until: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  finished_at: number | null;
}
