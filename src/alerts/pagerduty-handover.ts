import type { Keys } from '../core/crypto/keys.js';
import type { Store } from '../store/store.js';
import type { AlertNotice } from './alert-notices.js';
import { destinationEpisode, episodeIdentity, type AlertWebhookContext } from './alert-webhook.js';
import type { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import type { AlertWebhookSettings } from './delivery-alert-settings.js';
import { resolvingKindOf } from './pagerduty-alert-event.js';

/** The notice that resolves an episode's PagerDuty incident when nobody is told of its end (PagerDuty reads only its kind). */
export function quietEndNotice(about: AlertWebhookContext['about']): AlertNotice {
  return { kind: resolvingKindOf(episodeIdentity(about).opening), subject: 'Episode ended', paragraphs: [] };
}

/** Whether two alert webhooks post to the same PagerDuty service (same Events API URL and integration key). */
export function samePagerDutyService(a: AlertWebhookSettings, b: AlertWebhookSettings | null, keys: Keys): boolean {
  if (b?.format !== 'pagerduty' || a.format !== 'pagerduty' || a.sealedRoutingKey === undefined || b.sealedRoutingKey === undefined) return false;
  try {
    return keys.decrypt(a.sealedUrl) === keys.decrypt(b.sealedUrl) && keys.decrypt(a.sealedRoutingKey) === keys.decrypt(b.sealedRoutingKey);
  } catch {
    return false;
  }
}

/**
 * What {@link resolveOpenIncidents} did: incidents resolved, those PagerDuty did not take yet (retried by the outbox),
 * and those it could not be told of (with the first error).
 */
export interface IncidentHandover {
  readonly resolved: number;
  readonly pending: number;
  readonly failed: number;
  readonly error?: string;
}

/**
 * A workspace's alert webhook pointed at a PagerDuty service and is being changed or removed: every episode still open
 * that the workspace may have been told of (its destinations' episodes whose opening was told, the installation's open
 * processing and role episodes) has its incident resolved on that service, since the episode's end will be told
 * through the new webhook or not at all, and an incident left open would keep paging. A resolve for an incident
 * PagerDuty never opened (the workspace had alerts off then) does nothing there.
 */
export async function resolveOpenIncidents(input: {
  readonly store: Pick<Store, 'destinationAlerts' | 'pipelineAlerts' | 'roleAlerts' | 'destinations'>;
  readonly webhook: AlertWebhookOutbox;
  /** The PagerDuty webhook as it was before the change. */
  readonly previous: AlertWebhookSettings;
  readonly workspace: { readonly id: string; readonly name: string };
  /** The console's address (no trailing slash), for the link PagerDuty keeps with the event. */
  readonly consoleUrl: string;
}): Promise<IncidentHandover> {
  const { store, workspace } = input;
  const episodes: { readonly about: AlertWebhookContext['about']; readonly path: string }[] = [];
  for (const alert of await store.destinationAlerts.openOf(workspace.id)) {
    if (alert.notifiedAt === null) continue;
    episodes.push(destinationEpisode(alert, await store.destinations.get(workspace.id, alert.destinationId)));
  }
  for (const pipeline of await store.pipelineAlerts.openNow()) episodes.push({ about: { pipeline }, path: '/' });
  for (const role of await store.roleAlerts.openNow()) episodes.push({ about: { role }, path: '/' });
  let resolved = 0;
  let pending = 0;
  let failed = 0;
  let error: string | undefined;
  for (const { about, path } of episodes) {
    const sent = await input.webhook.send(workspace.id, input.previous, quietEndNotice(about), { workspace, about, link: `${input.consoleUrl}${path}` });
    if (sent.state === 'delivered' || sent.state === 'told_before') resolved++;
    else if (sent.state === 'pending') {
      pending++;
      error ??= sent.error;
    } else {
      failed++;
      error ??= sent.error;
    }
  }
  return { resolved, pending, failed, ...(error !== undefined && { error }) };
}
