import type { Workspace } from '../core/workspace.js';

/**
 * How alerts are posted to the workspace's webhook: Slack's incoming-webhook message, Sluice's own JSON, or PagerDuty's
 * Events API v2 (an incident triggered when an episode opens and resolved when it ends).
 */
export const ALERT_WEBHOOK_FORMATS = ['slack', 'json', 'pagerduty'] as const;
export type AlertWebhookFormat = (typeof ALERT_WEBHOOK_FORMATS)[number];

/** A workspace's delivery alerts, kept under `settings.deliveryAlerts`. */
export interface DeliveryAlertSettings {
  /** Email the workspace's owners, admins and engineers when a destination starts failing or falls behind, and when it recovers. Default true. */
  readonly enabled: boolean;
  /**
   * A destination is failing when at least this percentage of its delivery attempts in the last 15 minutes failed
   * (and at least 5 did); it has recovered when it delivered in the last 5 minutes with under half this
   * percentage failing. 1-100, default 50.
   */
  readonly failurePercent: number;
  /**
   * A destination is falling behind when its oldest delivery not yet tried has waited at least this many minutes; it
   * has caught up when nothing waits longer than half of it. 1-1440, default 30.
   */
  readonly behindMinutes: number;
}

/**
 * Where alerts are also posted (a Slack incoming webhook, any URL that takes JSON, or PagerDuty's Events API). The URL
 * is a secret (a Slack webhook's path is its credential): kept encrypted (`sealedUrl`, Keys.encrypt), never shown in
 * clear; so is PagerDuty's integration key.
 */
export interface AlertWebhookSettings {
  readonly sealedUrl: string;
  /** The URL as shown: scheme and host, the rest masked (kept beside the sealed URL, so showing it decrypts nothing). */
  readonly maskedUrl: string;
  readonly format: AlertWebhookFormat;
  /** `pagerduty`: the integration key of the PagerDuty service's Events API v2 integration (its `routing_key`), encrypted. */
  readonly sealedRoutingKey?: string;
}

/** Where PagerDuty's Events API v2 takes events (accounts in the EU region use https://events.eu.pagerduty.com/v2/enqueue). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const DEFAULT_DELIVERY_ALERT_SETTINGS: DeliveryAlertSettings = { enabled: true, failurePercent: 50, behindMinutes: 30 };

/** The whole numbers each threshold may take (the API's schema takes them from here too). */
export const THRESHOLD_RANGES = { failurePercent: { minimum: 1, maximum: 100 }, behindMinutes: { minimum: 1, maximum: 1440 } } as const;

/** The thresholds a stored record holds, each only if it is a whole number in its range (what is left is someone else's default). */
function thresholdsIn(record: Record<string, unknown>): DestinationAlertThresholds {
  const valid = (key: keyof typeof THRESHOLD_RANGES): number | undefined => {
    const value = record[key];
    const { minimum, maximum } = THRESHOLD_RANGES[key];
    return typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum ? value : undefined;
  };
  const failurePercent = valid('failurePercent');
  const behindMinutes = valid('behindMinutes');
  return { ...(failurePercent !== undefined && { failurePercent }), ...(behindMinutes !== undefined && { behindMinutes }) };
}

function rawSettings(workspace: Pick<Workspace, 'settings'> | undefined): Record<string, unknown> | undefined {
  const raw = workspace?.settings.deliveryAlerts;
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
}

export function deliveryAlertSettingsOf(workspace: Pick<Workspace, 'settings'> | undefined): DeliveryAlertSettings {
  const record = rawSettings(workspace);
  if (!record) return DEFAULT_DELIVERY_ALERT_SETTINGS;
  return { ...DEFAULT_DELIVERY_ALERT_SETTINGS, enabled: record.enabled !== false, ...thresholdsIn(record) };
}

/**
 * The workspace settings with a change of the delivery alerts applied: fields given replace theirs, `webhook` null
 * removes it and absent keeps it (what `PUT /delivery-alerts/settings` stores).
 */
export function withDeliveryAlertChange(
  settings: Record<string, unknown>,
  change: Partial<DeliveryAlertSettings> & { readonly webhook?: AlertWebhookSettings | null },
): Record<string, unknown> {
  const { webhook, ...fields } = change;
  const next: Record<string, unknown> = { ...rawSettings({ settings }), ...deliveryAlertSettingsOf({ settings }), ...fields };
  if (webhook === null) delete next.webhook;
  else if (webhook !== undefined) next.webhook = webhook;
  return { ...settings, deliveryAlerts: next };
}

/** The workspace's alert webhook, if one is set. */
export function alertWebhookOf(workspace: Pick<Workspace, 'settings'> | undefined): AlertWebhookSettings | undefined {
  const webhook = rawSettings(workspace)?.webhook;
  if (!webhook || typeof webhook !== 'object') return undefined;
  const { sealedUrl, maskedUrl, format, sealedRoutingKey } = webhook as Record<string, unknown>;
  if (typeof sealedUrl !== 'string') return undefined;
  const known = ALERT_WEBHOOK_FORMATS.find((f) => f === format) ?? 'slack';
  // A PagerDuty webhook whose key is missing cannot post anything: treated as none rather than posting keyless events.
  if (known === 'pagerduty' && typeof sealedRoutingKey !== 'string') return undefined;
  return {
    sealedUrl,
    maskedUrl: typeof maskedUrl === 'string' ? maskedUrl : 'https://********',
    format: known,
    ...(known === 'pagerduty' && { sealedRoutingKey: sealedRoutingKey as string }),
  };
}

/** The longest a destination's alerts can be muted at once: a mute is for a known, bounded problem, not for good. */
export const MAX_MUTE_MS = 30 * 24 * 3600_000;

/** The destinations whose alerts are muted now, and until when (epoch ms); mutes that ended are left out. */
export function alertMutesOf(workspace: Pick<Workspace, 'settings'> | undefined, now: number): ReadonlyMap<string, number> {
  const raw = rawSettings(workspace)?.mutes;
  const mutes = new Map<string, number>();
  if (!raw || typeof raw !== 'object') return mutes;
  for (const [destinationId, until] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof until === 'number' && until > now) mutes.set(destinationId, until);
  }
  return mutes;
}

/**
 * The workspace settings with a destination's alerts muted until `until` (epoch ms), or unmuted (null); mutes that
 * ended by `now` are dropped on the way.
 */
export function withAlertMute(settings: Record<string, unknown>, destinationId: string, until: number | null, now: number): Record<string, unknown> {
  const mutes = Object.fromEntries(alertMutesOf({ settings }, now));
  if (until === null) delete mutes[destinationId];
  else mutes[destinationId] = until;
  return { ...settings, deliveryAlerts: { ...rawSettings({ settings }), mutes } };
}

/** A destination's own thresholds, where it has any (`settings.deliveryAlerts.destinations[id]`); the workspace's otherwise. */
export type DestinationAlertThresholds = Partial<Pick<DeliveryAlertSettings, 'failurePercent' | 'behindMinutes'>>;

/** The thresholds a destination set for itself (none: an empty object). */
export function destinationThresholdsOf(workspace: Pick<Workspace, 'settings'> | undefined, destinationId: string): DestinationAlertThresholds {
  const all = rawSettings(workspace)?.destinations;
  const own = all && typeof all === 'object' ? (all as Record<string, unknown>)[destinationId] : undefined;
  return own && typeof own === 'object' ? thresholdsIn(own as Record<string, unknown>) : {};
}

/** The settings that judge one destination: the workspace's, with the destination's own thresholds over them. */
export function deliveryAlertSettingsFor(workspace: Pick<Workspace, 'settings'> | undefined, destinationId: string): DeliveryAlertSettings {
  return { ...deliveryAlertSettingsOf(workspace), ...destinationThresholdsOf(workspace, destinationId) };
}

/**
 * The workspace settings with a destination's own thresholds changed: a number sets one, null removes it (the
 * workspace's applies again), absent keeps it. A destination left with none is removed from the map.
 */
export function withDestinationThresholds(settings: Record<string, unknown>, destinationId: string, change: { readonly [K in keyof DestinationAlertThresholds]?: number | null }): Record<string, unknown> {
  const own: Record<string, number> = { ...destinationThresholdsOf({ settings }, destinationId) };
  for (const key of ['failurePercent', 'behindMinutes'] as const) {
    const value = change[key];
    if (value === null) delete own[key];
    else if (value !== undefined) own[key] = value;
  }
  const raw = rawSettings({ settings }) ?? {};
  const all = raw.destinations && typeof raw.destinations === 'object' ? { ...(raw.destinations as Record<string, unknown>) } : {};
  if (Object.keys(own).length === 0) delete all[destinationId];
  else all[destinationId] = own;
  return { ...settings, deliveryAlerts: { ...raw, destinations: all } };
}
