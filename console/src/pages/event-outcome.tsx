import { api, type EventView } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';
import { NextTry } from '../components/next-try';

/** What happened to an event at one destination (present once the delivery pipeline reports it). */
interface DeliveryOutcome {
  destinationId?: string;
  destinationName?: string;
  /** When the destination was deleted (its row in the log outlives it). */
  destinationDeletedAt?: string;
  status?: string;
  reason?: string;
  attempts?: number;
  lastError?: string;
  nextAttemptAt?: string;
}

interface EventWithDeliveries {
  event: EventView;
  deliveries?: DeliveryOutcome[];
}

/** GET /api/v1/events/:messageId: every stored event with the messageId (one per source that sent it), newest first. */
interface EventDetail extends EventWithDeliveries {
  events?: EventWithDeliveries[];
}

/**
 * The raw JSON of one event and its outcome at each destination, with reasons. Several sources may each have
 * sent an event with the same messageId: the one shown is of `sourceId` (by default the source of `fallback`,
 * the event the user picked), and a note says when others exist.
 */
export function EventOutcome({ messageId, sourceId, fallback }: { messageId: string; sourceId?: string; fallback?: EventView }) {
  const detail = useAsync(() => api<EventDetail>('GET', `/api/v1/events/${encodeURIComponent(messageId)}`), [messageId]);
  const source = sourceId ?? fallback?.sourceId;
  const all = detail.data?.events ?? (detail.data ? [detail.data] : []);
  const chosen = all.find((e) => source !== undefined && e.event.sourceId === source) ?? (source === undefined ? all[0] : undefined);
  const event = chosen?.event ?? fallback;
  const deliveries = chosen?.deliveries;
  const others = all.filter((e) => e !== chosen).map((e) => String(e.event.sourceId ?? '?'));
  return (
    <div className="event-detail">
      <h2>
        {event?.type === 'track' ? String(event.event ?? '') : String(event?.type ?? '')} <code>{messageId}</code>
      </h2>
      {detail.error !== null && !fallback && <ErrorBox error={detail.error} />}
      {others.length > 0 && (
        <p className="muted" role="note">
          {others.length === 1 ? 'Another source' : `${others.length} other sources`} sent an event with this messageId too ({others.join(', ')}); each is stored and delivered on its own. Shown: the event of source {String(event?.sourceId ?? '?')}.
        </p>
      )}
      <h3>Destinations</h3>
      {deliveries === undefined ? (
        <p className="muted">{detail.loading ? 'Loading…' : 'No delivery information (no destination received this event, or it is not stored yet).'}</p>
      ) : deliveries.length === 0 ? (
        <p className="muted">No destination is configured for this event.</p>
      ) : (
        <table className="table compact">
          <TableHead columns={['Destination', 'Status', 'Reason', 'Attempts']} />
          <tbody>
            {deliveries.map((d, i) => (
              <tr key={d.destinationId ?? i}>
                <td>
                  {d.destinationName ?? d.destinationId ?? '?'}
                  {d.destinationDeletedAt && <span className="muted"> (deleted {d.destinationDeletedAt.slice(0, 10)})</span>}
                </td>
                <td>
                  <span className={`badge ${d.status === 'delivered' ? 'ok' : d.status === 'failed' || d.status === 'dropped' ? 'off' : ''}`}>{d.status ?? '?'}</span>
                </td>
                <td>
                  {d.reason && <code>{d.reason}</code>} {d.lastError}
                  <NextTry status={d.status} nextAttemptAt={d.nextAttemptAt} />
                </td>
                <td>{d.attempts ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Raw JSON</h3>
      <pre className="json" tabIndex={0} aria-label="Raw event JSON">
        {JSON.stringify(event ?? {}, null, 2)}
      </pre>
    </div>
  );
}
