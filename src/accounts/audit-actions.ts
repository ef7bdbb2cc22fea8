import { closest } from '../core/edit-distance.js';

/**
 * Every action Sluice writes to the audit log, so a filter naming one that does not exist (`sorce.create`, a
 * mistyped prefix) is refused with the list instead of answering an empty log as if nothing had happened. The steps
 * of privacy requests are open-ended (`privacy_request.<step>`, one per step of the request workflow), so any action
 * under {@link PRIVACY_REQUEST_ACTIONS} is taken. `audit-actions.test.ts` checks that every action the code records
 * is listed here.
 */
export const AUDIT_ACTIONS = [
  'consent_categories.update',
  'delivery_alert_settings.test_webhook',
  'delivery_alert_settings.update',
  'delivery_alerts.destination_thresholds',
  'delivery_alerts.mute',
  'delivery_alerts.unmute',
  'destination.create',
  'destination.delete',
  'destination.replay',
  'destination.replay_cancel',
  'destination.retry_failed',
  'destination.test',
  'destination.update',
  'disclosure.update',
  'member.accept_invite',
  'member.delete_self',
  'member.export',
  'member.export_self',
  'member.invite',
  'member.locked',
  'member.login',
  'member.password_change',
  'member.password_reset',
  'member.password_reset_requested',
  'member.preferences',
  'member.remove',
  'member.require_password_reset',
  'member.restore',
  'member.session_end',
  'member.sessions_end',
  'member.sessions_end_others',
  'member.setup',
  'member.suspend',
  'member.two_factor_disable',
  'member.two_factor_enable',
  'member.two_factor_enroll',
  'member.two_factor_failed',
  'member.two_factor_recovery_used',
  'member.two_factor_reset',
  'member.update',
  'member.update_self',
  'pii_field.review',
  'pii_policy.update',
  'policy.accept',
  'policy.publish',
  'privacy_request_settings.update',
  'privacy_settings.update',
  'source.create',
  'source.rotate_write_key',
  'source.update',
  'token.create',
  'token.revoke',
  'token.rotate',
  'workspace.create',
] as const;

/** The prefix of every privacy request step's action (`privacy_request.received`, `privacy_request.completed`, ...). */
export const PRIVACY_REQUEST_ACTIONS = 'privacy_request.';

/**
 * Whether an audit filter's action (exact, or a prefix ending with `*`) can match an action Sluice writes. An action
 * the workspace's log holds although this list lacks it (written by an earlier version) is the caller's to check.
 */
export function isKnownAuditAction(filter: string): boolean {
  if (filter.endsWith('*')) {
    const prefix = filter.slice(0, -1);
    return AUDIT_ACTIONS.some((a) => a.startsWith(prefix)) || PRIVACY_REQUEST_ACTIONS.startsWith(prefix) || prefix.startsWith(PRIVACY_REQUEST_ACTIONS);
  }
  return (AUDIT_ACTIONS as readonly string[]).includes(filter) || (filter.startsWith(PRIVACY_REQUEST_ACTIONS) && /^[a-z_]+$/.test(filter.slice(PRIVACY_REQUEST_ACTIONS.length)));
}

/** The sentence naming the actions a filter takes, for the error that refuses an unknown one. */
export function auditActionsTaken(): string {
  return `${AUDIT_ACTIONS.join(', ')}, and ${PRIVACY_REQUEST_ACTIONS}<step> for each step of a privacy request (received, verified, completed, ...)`;
}

/**
 * The filter a mistyped one most likely meant: for a prefix (`sorce*`), the nearest resource's prefix (`source*`); for
 * an exact action, the nearest action, or its resource's prefix when only the resource was given (`source`).
 */
export function likelyAuditAction(filter: string): string | undefined {
  const resources = [...new Set([...AUDIT_ACTIONS.map((a) => a.slice(0, a.indexOf('.'))), PRIVACY_REQUEST_ACTIONS.slice(0, -1)])];
  if (filter.endsWith('*')) {
    const resource = closest(filter.slice(0, -1).replace(/\.$/, '').split('.')[0]!, resources, 2);
    return resource && `${resource}.*`;
  }
  if (resources.includes(filter)) return `${filter}*`;
  return closest(filter, AUDIT_ACTIONS, 3);
}
