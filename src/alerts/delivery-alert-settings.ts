import type { Workspace } from '../core/workspace.js';

/** A workspace's delivery alerts, kept under `settings.deliveryAlerts`. */
export interface DeliveryAlertSettings {
  /** Email the workspace's owners, admins and engineers when a destination starts failing and when it recovers. Default true. */
  readonly enabled: boolean;
  /**
   * A destination is failing when at least this percentage of its delivery attempts in the last 15 minutes failed
   * (and at least 5 did); it has recovered when it delivered in the last 5 minutes with under half this
   * percentage failing. 1-100, default 50.
   */
  readonly failurePercent: number;
}

export const DEFAULT_DELIVERY_ALERT_SETTINGS: DeliveryAlertSettings = { enabled: true, failurePercent: 50 };

export function deliveryAlertSettingsOf(workspace: Pick<Workspace, 'settings'> | undefined): DeliveryAlertSettings {
  const raw = workspace?.settings.deliveryAlerts;
  if (!raw || typeof raw !== 'object') return DEFAULT_DELIVERY_ALERT_SETTINGS;
  const record = raw as Record<string, unknown>;
  const percent = record.failurePercent;
  return {
    enabled: record.enabled !== false,
    failurePercent: typeof percent === 'number' && Number.isInteger(percent) && percent >= 1 && percent <= 100 ? percent : DEFAULT_DELIVERY_ALERT_SETTINGS.failurePercent,
  };
}
