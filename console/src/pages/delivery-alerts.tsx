import { FAILING_WINDOW_MS, MIN_FAILURES, RECOVERY_WINDOW_MS } from '../../../src/alerts/delivery-health.js';
import { api, type AlertKind, type AlertResolution, type DeliveryAlert, type DeliveryAlertSettings } from '../api';
import { ErrorBox } from '../components/error-box';
import { TableHead } from '../components/table-head';
import { useAsync } from '../components/use-async';
import { DestinationAlertMute, useDeliveryAlertMutes } from './delivery-alert-mutes';
import { DestinationAlertThresholds, useDestinationAlertThresholds } from './destination-alert-thresholds';
import { AlertWebhookPosts } from './alert-webhook-posts';

const FAILING_MINUTES = FAILING_WINDOW_MS / 60_000;
const RECOVERY_MINUTES = RECOVERY_WINDOW_MS / 60_000;

/**
 * What the failure percentage means, in the words of the API's description of it (`PUT /delivery-alerts/settings`),
 * with the server's own windows.
 * @example thresholdText(50) // 'A destination is failing when at least 50% of its delivery attempts in the last 15 minutes failed ...'
 */
export function thresholdText(percent: number): string {
  const share = Number.isFinite(percent) ? `${percent}%` : 'this share';
  return (
    `A destination is failing when at least ${share} of its delivery attempts in the last ${FAILING_MINUTES} minutes failed (and at least ${MIN_FAILURES} did); ` +
    `it is delivering again when it delivered in the last ${RECOVERY_MINUTES} minutes with under half that share failing.`
  );
}

/**
 * A span of minutes in words: "30 minutes", "2 hours", "30 seconds" (half of a minute), "12.5 minutes".
 * @example minutesText(1440) // '24 hours'
 */
function minutesText(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} seconds`;
  if (minutes >= 120 && minutes % 60 === 0) return `${minutes / 60} hours`;
  return `${minutes.toLocaleString()} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * What the falling-behind limit means (`behindMinutes` of `PUT /delivery-alerts/settings`): the server's rule, which
 * ends an episode only once nothing waits half as long (a destination hovering at the limit is not announced every minute).
 * @example behindText(30) // 'A destination is falling behind when its oldest delivery not yet tried has been waiting 30 minutes; ...'
 */
export function behindText(minutes: number): string {
  const [limit, half] = Number.isFinite(minutes) && minutes > 0 ? [minutesText(minutes), minutesText(minutes / 2)] : ['this long', 'half as long'];
  return `A destination is falling behind when its oldest delivery not yet tried has been waiting ${limit}; it has caught up when nothing has been waiting ${half} or longer.`;
}

/** An episode's start (or its oldest delivery's wait): the time alone when it is today, else the date and time. */
function sinceText(iso: string): string {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString() ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** A failing episode's counts in words: "11 of 12 delivery attempts failed". */
function countsText(alert: DeliveryAlert): string {
  return `${alert.failures.toLocaleString()} of ${alert.attempts.toLocaleString()} delivery attempt${alert.attempts === 1 ? '' : 's'} failed`;
}

/** "25 deliveries": what waited when a falling-behind episode opened. */
function deliveriesText(alert: DeliveryAlert): string {
  const waiting = alert.waiting ?? 0;
  return `${waiting.toLocaleString()} ${waiting === 1 ? 'delivery' : 'deliveries'}`;
}

/** A falling-behind episode's counts in words: "25 deliveries waited, the oldest since 09:12". */
function waitedText(alert: DeliveryAlert): string {
  return `${deliveriesText(alert)} waited${alert.oldestWaitingAt === null ? '' : `, the oldest since ${sinceText(alert.oldestWaitingAt)}`}`;
}

/** Failing before falling behind: the order of a destination's open episodes on the list. */
const KIND_ORDER: Record<AlertKind, number> = { failing: 0, falling_behind: 1 };

/**
 * The open episodes of the workspace (`GET /delivery-alerts?status=open`), by destination id: what fails or falls
 * behind now. A destination has at most one open episode of each kind, failing first.
 */
export function useOpenDeliveryAlerts() {
  return useAsync(async () => {
    const { alerts } = await api<{ alerts: DeliveryAlert[] }>('GET', '/api/v1/delivery-alerts?status=open&limit=500');
    const byDestination = new Map<string, DeliveryAlert[]>();
    for (const alert of [...alerts].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])) {
      byDestination.set(alert.destinationId, [...(byDestination.get(alert.destinationId) ?? []), alert]);
    }
    return byDestination;
  }, []);
}

/** A destination that is failing now: a "Failing since …" badge and, under it, its counts (the full date in the badge's tooltip). */
export function FailingMarker({ alert }: { alert: DeliveryAlert }) {
  const counts = `${countsText(alert)} in the ${FAILING_MINUTES} minutes before`;
  return (
    <>
      <span className="badge off" title={`Failing since ${new Date(alert.openedAt).toLocaleString()}: ${counts}.`}>
        Failing since {sinceText(alert.openedAt)}
      </span>
      <div className="hint">{countsText(alert)}</div>
    </>
  );
}

/** A destination falling behind now: a "Behind since …" badge and, under it, what waited when it opened (the full dates in the badge's tooltip). */
export function BehindMarker({ alert }: { alert: DeliveryAlert }) {
  const oldest = alert.oldestWaitingAt === null ? '' : `, the oldest since ${new Date(alert.oldestWaitingAt).toLocaleString()}`;
  return (
    <>
      <span className="badge warn" title={`Falling behind since ${new Date(alert.openedAt).toLocaleString()}: ${deliveriesText(alert)} waited to be sent then${oldest}.`}>
        Behind since {sinceText(alert.openedAt)}
      </span>
      <div className="hint">{waitedText(alert)}</div>
    </>
  );
}

/** A destination's open episodes on the destinations list (from {@link useOpenDeliveryAlerts}): a marker each. */
export function OpenAlertMarkers({ alerts }: { alerts: readonly DeliveryAlert[] }) {
  return <>{alerts.map((a) => (a.kind === 'failing' ? <FailingMarker key={a.id} alert={a} /> : <BehindMarker key={a.id} alert={a} />))}</>;
}

/** How an episode ended, in plain words. */
const RESOLUTION_WORDS: Record<AlertResolution, string> = {
  recovered: 'It delivered again.',
  caught_up: 'It caught up.',
  destination_disabled: 'The destination was disabled (no email was sent).',
  destination_deleted: 'The destination was deleted (no email was sent).',
  alerts_off: 'Delivery alerts were turned off (no email was sent).',
};

/** Open first (at most one of each kind), then the ended ones, newest first as the API lists them. */
function openFirst(alerts: readonly DeliveryAlert[]): DeliveryAlert[] {
  return [...alerts.filter((a) => a.status === 'open'), ...alerts.filter((a) => a.status !== 'open')];
}

/**
 * What the section says about how episodes are recorded: both rules with the limits that judge the destination (the
 * workspace's, or its own where it set them), or that alerts are off.
 */
function watchText(settings: DeliveryAlertSettings): string {
  if (!settings.enabled) return 'Delivery alerts are off for this workspace: Sluice records no new episode and sends no email. The delivery log below still shows every failed delivery.';
  return `${thresholdText(settings.failurePercent)} ${behindText(settings.behindMinutes)} Sluice emails the workspace's owners, admins and engineers once when either starts and once when it ends.`;
}

/** An episode's kind and status: the kind as a badge while it is open, else "resolved" with the kind under it. */
function EpisodeStatus({ alert }: { alert: DeliveryAlert }) {
  if (alert.status === 'open') return alert.kind === 'failing' ? <span className="badge off">failing</span> : <span className="badge warn">falling behind</span>;
  const ended = alert.resolution === 'recovered' || alert.resolution === 'caught_up';
  return (
    <>
      <span className={`badge ${ended ? 'ok' : 'muted-badge'}`}>resolved</span>
      <div className="hint">{alert.kind === 'failing' ? 'was failing' : 'fell behind'}</div>
    </>
  );
}

/**
 * Why nobody heard of an episode (`notifiedAt` null: it opened while the destination's alerts were muted), and, for
 * one still open, when they will: once the mute ends, at the check after it if the destination is no longer muted.
 */
function notToldText(alert: DeliveryAlert, mutedNow: boolean): string {
  if (alert.status !== 'open') return 'Not told: alerts were muted.';
  return mutedNow ? 'Not told: alerts were muted; will be told if still open when the mute ends.' : 'Not told: alerts were muted; will be told at the next check.';
}

/** An episode's counts when it opened: the failed attempts and their commonest reason, or what waited and since when. */
function EpisodeCounts({ alert }: { alert: DeliveryAlert }) {
  if (alert.kind === 'falling_behind') return <>{waitedText(alert)}</>;
  return (
    <>
      {countsText(alert)} in the {FAILING_MINUTES} minutes before
      {alert.topReason !== '' && (
        <div className="hint">
          Commonest reason <code>{alert.topReason}</code>
        </div>
      )}
    </>
  );
}

/**
 * A destination's episodes of failing or falling behind (`GET /delivery-alerts?destinationId=`): open first, then the
 * ones that ended in the last 90 days, those nobody was told of (muted) marked; above them, its mute and its
 * thresholds (`GET /delivery-alerts/destinations/:destinationId`), which the intro uses too.
 */
export function DestinationDeliveryAlerts({ destinationId }: { destinationId: string }) {
  const alerts = useAsync(() => api<{ alerts: DeliveryAlert[] }>('GET', `/api/v1/delivery-alerts?destinationId=${encodeURIComponent(destinationId)}&limit=20`), [destinationId]);
  const settings = useAsync(() => api<DeliveryAlertSettings>('GET', '/api/v1/delivery-alerts/settings'), []);
  const thresholds = useDestinationAlertThresholds(destinationId);
  const mutes = useDeliveryAlertMutes();
  const mute = mutes.data?.get(destinationId);
  const list = alerts.data && openFirst(alerts.data.alerts);
  return (
    <section className="card" aria-labelledby="delivery-alerts-title">
      <h2 id="delivery-alerts-title">Delivery alerts</h2>
      {settings.data && (thresholds.data !== undefined || thresholds.error !== null) && (
        <p className="hint">
          {watchText(thresholds.data ? { ...settings.data, failurePercent: thresholds.data.failurePercent, behindMinutes: thresholds.data.behindMinutes } : settings.data)}
        </p>
      )}
      <ErrorBox error={alerts.error ?? settings.error ?? mutes.error ?? thresholds.error} />
      {mutes.data && (
        <DestinationAlertMute
          destinationId={destinationId}
          mute={mute}
          onChange={() => {
            mutes.reload();
            alerts.reload();
          }}
        />
      )}
      {thresholds.data && <DestinationAlertThresholds destinationId={destinationId} view={thresholds.data} workspace={settings.data} onChange={thresholds.reload} />}
      {list && list.length === 0 && <p className="muted">No delivery problems recorded in the last 90 days.</p>}
      {list && list.length > 0 && (
        <table className="table compact alert-episodes" aria-label="Delivery alert episodes">
          <TableHead columns={['Status', 'Opened', 'Ended', 'Counts when it opened', 'Latest error when it opened']} />
          <tbody>
            {list.map((a) => (
              <tr key={a.id}>
                <td>
                  <EpisodeStatus alert={a} />
                </td>
                <td>
                  {new Date(a.openedAt).toLocaleString()}
                  {a.notifiedAt === null && <div className="hint">{notToldText(a, mute !== undefined)}</div>}
                  <AlertWebhookPosts posts={a.webhookPosts} />
                </td>
                <td>
                  {a.resolvedAt === null ? (
                    <span className="muted">{a.kind === 'failing' ? 'Still failing' : 'Still behind'}</span>
                  ) : (
                    <>
                      {new Date(a.resolvedAt).toLocaleString()}
                      {a.resolution && <div className="hint">{RESOLUTION_WORDS[a.resolution]}</div>}
                    </>
                  )}
                </td>
                <td>
                  <EpisodeCounts alert={a} />
                </td>
                <td>{a.kind === 'falling_behind' ? <span className="muted">–</span> : (a.lastError ?? <span className="muted">none logged</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
