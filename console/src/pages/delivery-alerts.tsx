import { FAILING_WINDOW_MS, MIN_FAILURES, RECOVERY_WINDOW_MS } from '../../../src/alerts/delivery-health.js';
import { api, type AlertResolution, type DeliveryAlert, type DeliveryAlertSettings } from '../api';
import { ErrorBox } from '../components/error-box';
import { TableHead } from '../components/table-head';
import { useAsync } from '../components/use-async';

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

/** An open episode's start: the time alone when it is today, else the date and time. */
function sinceText(iso: string): string {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString() ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** An episode's counts in words: "11 of 12 delivery attempts failed". */
function countsText(alert: DeliveryAlert): string {
  return `${alert.failures.toLocaleString()} of ${alert.attempts.toLocaleString()} delivery attempt${alert.attempts === 1 ? '' : 's'} failed`;
}

/** The open episodes of the workspace (`GET /delivery-alerts?status=open`), by destination id: what fails now. */
export function useOpenDeliveryAlerts() {
  return useAsync(async () => {
    const { alerts } = await api<{ alerts: DeliveryAlert[] }>('GET', '/api/v1/delivery-alerts?status=open&limit=500');
    return new Map(alerts.map((a) => [a.destinationId, a]));
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

/** How an episode ended, in plain words. */
const RESOLUTION_WORDS: Record<AlertResolution, string> = {
  recovered: 'It delivered again.',
  caught_up: 'It caught up.',
  destination_disabled: 'The destination was disabled (no email was sent).',
  destination_deleted: 'The destination was deleted (no email was sent).',
  alerts_off: 'Delivery alerts were turned off (no email was sent).',
};

/** Open first (at most one), then the ended ones, newest first as the API lists them. */
function openFirst(alerts: readonly DeliveryAlert[]): DeliveryAlert[] {
  return [...alerts.filter((a) => a.status === 'open'), ...alerts.filter((a) => a.status !== 'open')];
}

/** What the section says about how episodes are recorded: the threshold, or that alerts are off. */
function watchText(settings: DeliveryAlertSettings): string {
  if (!settings.enabled) return 'Delivery alerts are off for this workspace: Sluice records no new episode and sends no email. The delivery log below still shows every failed delivery.';
  return `${thresholdText(settings.failurePercent)} Sluice then emails the workspace's owners, admins and engineers, once when it starts failing and once when it delivers again.`;
}

/** A destination's episodes of failing (`GET /delivery-alerts?destinationId=`): open first, then the ones that ended in the last 90 days. */
export function DestinationDeliveryAlerts({ destinationId }: { destinationId: string }) {
  const alerts = useAsync(() => api<{ alerts: DeliveryAlert[] }>('GET', `/api/v1/delivery-alerts?destinationId=${encodeURIComponent(destinationId)}&limit=20`), [destinationId]);
  const settings = useAsync(() => api<DeliveryAlertSettings>('GET', '/api/v1/delivery-alerts/settings'), []);
  const list = alerts.data && openFirst(alerts.data.alerts);
  return (
    <section className="card" aria-labelledby="delivery-alerts-title">
      <h2 id="delivery-alerts-title">Delivery alerts</h2>
      {settings.data && <p className="hint">{watchText(settings.data)}</p>}
      <ErrorBox error={alerts.error ?? settings.error} />
      {list && list.length === 0 && <p className="muted">No delivery problems recorded in the last 90 days.</p>}
      {list && list.length > 0 && (
        <table className="table compact" aria-label="Delivery alert episodes">
          <TableHead columns={['Status', 'Opened', 'Ended', `Failed attempts (${FAILING_MINUTES} min before)`, 'Latest error when it opened']} />
          <tbody>
            {list.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.status === 'open' ? <span className="badge off">failing</span> : <span className={`badge ${a.resolution === 'recovered' ? 'ok' : 'muted-badge'}`}>resolved</span>}
                </td>
                <td>{new Date(a.openedAt).toLocaleString()}</td>
                <td>
                  {a.resolvedAt === null ? (
                    <span className="muted">Still failing</span>
                  ) : (
                    <>
                      {new Date(a.resolvedAt).toLocaleString()}
                      {a.resolution && <div className="hint">{RESOLUTION_WORDS[a.resolution]}</div>}
                    </>
                  )}
                </td>
                <td>
                  {countsText(a)}
                  {a.topReason !== '' && (
                    <div className="hint">
                      Commonest reason <code>{a.topReason}</code>
                    </div>
                  )}
                </td>
                <td>{a.lastError ?? <span className="muted">none logged</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
