import { useState } from 'react';
import { api, type Destination } from '../api';
import { Can } from '../components/can';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useAsync } from '../components/use-async';
import { navigate } from '../router';
import { DestinationForm } from './destination-form';
import { DestinationCounters } from './destination-counters';
import { DestinationDeliveryAlerts } from './delivery-alerts';
import { DestinationPreview } from './destination-preview';
import { DestinationReplay, type ReplayRun } from './destination-replay';
import { useDestinationTypes } from './destinations';
import { TableHead, EnabledBadge } from '../components/table-head';
import { useCan } from '../permissions';
import { NextTry } from '../components/next-try';

/** GET /api/v1/destinations/:id/backlog */
interface Backlog {
  waiting: number;
  retrying: number;
  oldestQueuedAt?: string;
  oldestRetryingSince?: string;
  pausedUntil?: string;
  pauseReason?: string;
}

/** What the destination has still to be sent, in one line. */
function backlogText(b: Backlog): string {
  const paused = b.pausedUntil ? ` Paused: the destination asked Sluice to wait until ${new Date(b.pausedUntil).toLocaleString()}${b.pauseReason ? ` (${b.pauseReason}, Retry-After)` : ''}.` : '';
  if (b.waiting === 0) return `Nothing waiting: every queued event has been sent.${paused}`;
  const parts = [`${b.waiting} waiting to be sent`];
  if (b.retrying > 0) parts.push(`${b.retrying} retrying${b.oldestRetryingSince ? ` (the oldest since ${new Date(b.oldestRetryingSince).toLocaleString()})` : ''}`);
  if (b.oldestQueuedAt) parts.push(`the oldest not yet tried queued ${new Date(b.oldestQueuedAt).toLocaleString()}`);
  return `${parts.join(', ')}.${paused}`;
}

interface Delivery {
  messageId: string;
  status: 'queued' | 'delivered' | 'retrying' | 'failed' | 'dropped';
  attempts: number;
  reason?: string;
  lastError?: string;
  sourceId: string;
  updatedAt: string;
  nextAttemptAt?: string;
}

/** GET /api/v1/destinations/:id/deliveries: newest first; nextCursor when older ones are left. */
interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor?: string;
}

interface TestResult {
  ok: boolean;
  outcome: 'ok' | 'retry' | 'abort';
  reason?: string;
  error?: string;
  messageId: string;
  durationMs: number;
}

const STATUSES = ['queued', 'delivered', 'retrying', 'failed', 'dropped'] as const;
const STATUS_CLASS: Record<Delivery['status'], string> = { queued: '', delivered: 'ok', retrying: 'warn', failed: 'off', dropped: 'muted-badge' };

/** The delivery log of one destination, with manual retry of failed deliveries. */
function Deliveries({ destination }: { destination: Destination }) {
  const [status, setStatus] = useState('');
  const path = `/api/v1/destinations/${destination.id}/deliveries?limit=100${status ? `&status=${status}` : ''}`;
  const log = useAsync(() => api<DeliveryPage>('GET', path), [path]);
  // Older pages loaded with "Load older deliveries", after the first page they follow (a reload starts over).
  const [older, setOlder] = useState<{ after: DeliveryPage; deliveries: Delivery[]; nextCursor?: string } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const more = older !== null && older.after === log.data ? older : null;
  const rows = log.data ? [...log.data.deliveries, ...(more?.deliveries ?? [])] : [];
  const nextCursor = more ? more.nextCursor : log.data?.nextCursor;
  const loadOlder = async () => {
    const first = log.data;
    if (!first || nextCursor === undefined) return;
    setError(null);
    setLoadingOlder(true);
    try {
      const page = await api<DeliveryPage>('GET', `${path}&cursor=${encodeURIComponent(nextCursor)}`);
      setOlder({ after: first, deliveries: [...(more?.deliveries ?? []), ...page.deliveries], ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) });
    } catch (failure) {
      setError(failure);
    } finally {
      setLoadingOlder(false);
    }
  };
  const backlog = useAsync(() => api<Backlog>('GET', `/api/v1/destinations/${destination.id}/backlog`), [destination.id]);
  const refresh = () => {
    log.reload();
    backlog.reload();
  };
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Reading the log needs destinations:read; retrying is a change (destinations:write).
  const manage = useCan()('destinations:write');

  /** Retries one failed delivery (an event: its messageId and source), or every failed one. */
  const retry = async (one?: Pick<Delivery, 'messageId' | 'sourceId'>) => {
    setError(null);
    setNotice(null);
    try {
      const result = await api<{ queued: number; dropped: number; replay?: ReplayRun }>('POST', `/api/v1/destinations/${destination.id}/deliveries/retry`, one ? { messageId: one.messageId, sourceId: one.sourceId } : {});
      setNotice(
        result.replay?.status === 'running'
          ? `Retrying ${result.replay.total.toLocaleString()} failed deliver${result.replay.total === 1 ? 'y' : 'ies'} in the background (${result.queued} queued so far): the replays below show its progress.`
          : `Retry: ${result.queued} queued, ${result.dropped} dropped.`,
      );
      refresh();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section className="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="delivery-status">Status</label>
          <select id="delivery-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <Can permission="destinations:write">
          <button type="button" onClick={() => void retry()}>
            Retry all failed
          </button>
        </Can>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={backlog.error} />
      {backlog.data && (
        <p className="muted" aria-label="Backlog">
          {backlogText(backlog.data)}
        </p>
      )}
      <ErrorBox error={log.error} />
      {log.data && rows.length === 0 && <p className="muted">No deliveries{status ? ` with status ${status}` : ''} yet.</p>}
      {log.data && rows.length > 0 && (
        <table className="table compact" aria-label="Delivery log">
          <TableHead columns={['messageId', 'Status', 'Attempts', 'Reason / last error', 'Updated']} actions={manage} />
          <tbody>
            {rows.map((d) => (
              <tr key={`${d.sourceId}:${d.messageId}`}>
                <td>
                  <code>{d.messageId}</code>
                </td>
                <td>
                  <span className={`badge ${STATUS_CLASS[d.status]}`}>{d.status}</span>
                </td>
                <td>{d.attempts}</td>
                <td>
                  {d.reason && <code>{d.reason}</code>} {d.lastError && <span className="muted">{d.lastError}</span>}
                  <NextTry status={d.status} nextAttemptAt={d.nextAttemptAt} />
                </td>
                <td>{new Date(d.updatedAt).toLocaleString()}</td>
                {manage && (
                  <td>
                    {d.status === 'failed' && (
                      <button type="button" onClick={() => void retry(d)} aria-label={`Retry ${d.messageId}`}>
                        Retry
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.data && nextCursor !== undefined && (
        <button type="button" onClick={() => void loadOlder()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Load older deliveries'}
        </button>
      )}
    </section>
  );
}

/**
 * What the settings form and the preview are drawn from: they start again (with the stored values) when this
 * changes, as after a save, but not when only `enabled` or `updatedAt` did, so enabling or disabling the
 * destination keeps what is being typed in them.
 */
function settingsKey(d: Destination): string {
  return JSON.stringify([d.id, d.name, d.config, d.sourceIds ?? null, d.consentCategories ?? null, d.filters]);
}

/** One destination: status, test send, delivery alerts, delivery log, replay, request preview, settings, delete. */
export function DestinationDetailPage({ id }: { id: string }) {
  const destination = useAsync(() => api<Destination>('GET', `/api/v1/destinations/${id}`), [id]);
  const types = useDestinationTypes();
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<TestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const d = destination.data;
  const info = d && types.data?.types.find((t) => t.type === d.type);

  const setEnabled = async (enabled: boolean) => {
    setError(null);
    try {
      await api('PATCH', `/api/v1/destinations/${id}`, { enabled });
      destination.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const sendTest = async () => {
    setError(null);
    setTest(null);
    setTesting(true);
    try {
      setTest(await api<TestResult>('POST', `/api/v1/destinations/${id}/test`));
    } catch (failure) {
      setError(failure);
    } finally {
      setTesting(false);
    }
  };
  const remove = async () => {
    setError(null);
    try {
      await api('DELETE', `/api/v1/destinations/${id}`);
      navigate('/destinations');
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="destination-title">
      <p>
        <Link to="/destinations">← Destinations</Link>
      </p>
      <ErrorBox error={destination.error} />
      {d && (
        <>
          <h1 id="destination-title">
            {d.name} <EnabledBadge enabled={d.enabled} />
          </h1>
          <p className="muted">
            {info?.displayName ?? d.type} · created {new Date(d.createdAt).toLocaleString()}
          </p>
          <Can permission="destinations:write">
            <div className="actions">
              <button type="button" onClick={() => void setEnabled(!d.enabled)}>
                {d.enabled ? 'Disable' : 'Enable'}
              </button>
              <button type="button" onClick={() => void sendTest()} disabled={testing}>
                {testing ? 'Sending…' : 'Send test event'}
              </button>
              {confirmDelete ? (
                <span className="confirm">
                  Delete {d.name}? Its connection details are erased and deliveries still waiting are dropped; its name stays in the delivery log and in people's privacy reports.
                  <button type="button" className="danger" onClick={() => void remove()}>
                    Yes, delete
                  </button>
                  <button type="button" onClick={() => setConfirmDelete(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirmDelete(true)}>
                  Delete…
                </button>
              )}
            </div>
          </Can>
          {test && (
            <p className={test.ok ? 'notice' : 'error'} role="status">
              {test.ok ? `Test event delivered in ${test.durationMs} ms.` : `Test event not delivered (${test.outcome}${test.reason ? `: ${test.reason}` : ''}): ${test.error ?? ''}`}
            </p>
          )}
          <ErrorBox error={error} onDismiss={() => setError(null)} />
          <DestinationCounters destinationId={d.id} />
          <DestinationDeliveryAlerts destinationId={d.id} />
          <Deliveries destination={d} />
          <DestinationReplay destination={d} />
          <DestinationPreview key={settingsKey(d)} destination={d} />
          <section aria-labelledby="settings-title">
            <h2 id="settings-title">Settings</h2>
            {saved && (
              <p className="notice" role="status">
                Settings saved.
              </p>
            )}
            <ErrorBox error={types.error} />
            <Can permission="destinations:write" otherwise="disable">
              {info && (
                <DestinationForm
                  key={settingsKey(d)}
                  info={info}
                  existing={d}
                  submitLabel="Save settings"
                  onSubmit={async (body) => {
                    setSaved(false);
                    await api('PATCH', `/api/v1/destinations/${id}`, body);
                    setSaved(true);
                    destination.reload();
                  }}
                />
              )}
            </Can>
          </section>
        </>
      )}
    </section>
  );
}
