import { useState } from 'react';
import { api, download } from '../api';
import { ErrorBox } from '../components/error-box';
import { TableHead } from '../components/table-head';
import { useAsync } from '../components/use-async';

interface TypeMetrics {
  received: number;
  completed: number;
  denied: number;
  closedWithoutDecision: { total: number; superseded: number; neverVerified: number };
  failed: number;
  open: number;
  medianDaysToRespond: number | null;
}

/** GET /api/v1/reports/request-metrics (src/privacy/requests/request-metrics.ts). */
interface RequestMetrics {
  from: string;
  to: string;
  total: TypeMetrics;
  meanDaysToRespond: number | null;
  answeredLate: number;
  byType: Record<string, TypeMetrics>;
}

const REGULATIONS = [
  { value: '', label: 'Every regulation' },
  { value: 'ccpa', label: 'CCPA (the 7102 disclosure)' },
  { value: 'gdpr', label: 'GDPR' },
] as const;

const COLUMNS = ['Request type', 'Received', 'Completed', 'Denied', 'Closed without a decision: made again', 'Closed without a decision: never verified', 'Open', 'Median days to respond'];

function Row({ name, m }: { name: string; m: TypeMetrics }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{m.received}</td>
      <td>{m.completed}</td>
      <td>{m.denied}</td>
      <td>{m.closedWithoutDecision.superseded}</td>
      <td>{m.closedWithoutDecision.neverVerified}</td>
      <td>{m.open}</td>
      <td>{m.medianDaysToRespond ?? <span className="muted">none answered</span>}</td>
    </tr>
  );
}

/**
 * The privacy requests of the last 12 months as CCPA 11 CCR 7102 asks them published: per type, received,
 * completed, denied and the median days to respond. Requests closed without a decision (made again by the same
 * person before verifying, or never verified) have columns of their own, so the published denials are not
 * overstated. Downloads the same table as CSV.
 */
export function RequestMetricsCard() {
  const [regulation, setRegulation] = useState('');
  const [error, setError] = useState<unknown>(null);
  const query = regulation ? `?regulation=${regulation}` : '';
  const metrics = useAsync(() => api<RequestMetrics>('GET', `/api/v1/reports/request-metrics${query}`), [query]);
  const m = metrics.data;
  const types = m ? Object.entries(m.byType).filter(([, t]) => t.received > 0) : [];
  const csvQuery = `${query ? `${query}&` : '?'}format=csv`;
  return (
    <section className="card" aria-labelledby="request-metrics-title">
      <h2 id="request-metrics-title">Privacy request metrics</h2>
      <p className="hint">
        Requests received in the last 12 months{m && ` (${new Date(m.from).toLocaleDateString()} to ${new Date(m.to).toLocaleDateString()})`}, as CCPA 11 CCR 7102 asks them
        published. A request the same person made again before verifying it, or whose emailed code was never entered, was closed without a decision: it is
        not counted as denied, nor in the days to respond.
      </p>
      <div className="actions">
        <label>
          Requests under{' '}
          <select value={regulation} onChange={(e) => setRegulation(e.target.value)}>
            {REGULATIONS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void download(`/api/v1/reports/request-metrics${csvQuery}`, `request-metrics${regulation ? `-${regulation}` : ''}.csv`).catch(setError)}>
          Download CSV
        </button>
      </div>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={metrics.error} />
      {m &&
        (m.total.received === 0 ? (
          <p className="notice">No privacy requests were received in this period.</p>
        ) : (
          <>
            <table className="table compact" aria-label="Request metrics">
              <TableHead columns={COLUMNS} />
              <tbody>
                {types.map(([type, t]) => (
                  <Row key={type} name={type.replace(/_/g, ' ')} m={t} />
                ))}
                <Row name="Total" m={m.total} />
              </tbody>
            </table>
            <p className="hint">
              Mean days to respond: {m.meanDaysToRespond ?? 'none answered'}; answered after the deadline: {m.answeredLate}.
            </p>
          </>
        ))}
    </section>
  );
}
