import { api, type EventView } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';

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

interface EventDetail {
  event: EventView;
  deliveries?: DeliveryOutcome[];
}

/** The raw JSON of one event and its outcome at each destination, with reasons. */
export function EventOutcome({ messageId, fallback }: { messageId: string; fallback?: EventView }) {
  const detail = useAsync(() => api<EventDetail>('GET', `/api/v1/events/${encodeURIComponent(messageId)}`), [messageId]);
  const event = detail.data?.event ?? fallback;
  const deliveries = detail.data?.deliveries;
  return (
    <div className="event-detail">
      <h2>
        {event?.type === 'track' ? String(event.event ?? '') : String(event?.type ?? '')} <code>{messageId}</code>
      </h2>
      {detail.error !== null && !fallback && <ErrorBox error={detail.error} />}
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
                  {d.nextAttemptAt && <span className="muted"> (next try {new Date(d.nextAttemptAt).toLocaleTimeString()})</span>}
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
