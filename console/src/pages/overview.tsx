import { useEffect, useRef, useState } from 'react';
import { api, apiText, type EventsPerMinute } from '../api';
import { BarChart, LineChart, StackedBarChart, type Point, type Series } from '../components/charts';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useCan } from '../permissions';
import { parsePrometheus, sumOf } from '../prometheus';
import { MissingRolesBanner } from './missing-roles-banner';
import { useProcesses } from './processes';
import { ProcessesCard } from './processes-card';
import { RoleAlertHistory } from './role-alert-history';
import { PipelineAlertBanner } from './pipeline-alert-banner';
import { PipelineAlertHistory } from './pipeline-alert-history';
import { openPipelineAlert, usePipelineAlerts } from './pipeline-alerts';

const POLL_MS = 5000;

/** GET /api/v1/stats: delivery counters per destination, last hour. */
interface DeliveryStats {
  destinations: { id: string; name: string; totals: Record<'queued' | 'delivered' | 'retrying' | 'failed' | 'dropped', number>; droppedByReason: Record<string, number>; failedByReason: Record<string, number> }[];
}

const DELIVERY_SERIES: (Series & { key: 'delivered' | 'retrying' | 'failed' | 'dropped' })[] = [
  { key: 'delivered', name: 'delivered', className: 's-delivered' },
  { key: 'retrying', name: 'retrying', className: 's-retrying' },
  { key: 'failed', name: 'failed', className: 's-failed' },
  { key: 'dropped', name: 'dropped', className: 's-dropped' },
];

type SourceKind = 'received' | 'rejected' | 'dropped' | 'withheld';
/** GET /api/v1/stats/sources: per-source counters, and refusals no source could be named for. */
interface SourceStats {
  sources: { id: string; name: string; totals: Record<SourceKind, number> }[];
  unassigned: { totals: Record<SourceKind, number>; rejectedByReason: Record<string, number> };
}
const SOURCE_KINDS: SourceKind[] = ['received', 'rejected', 'dropped', 'withheld'];

interface Snapshot {
  at: number;
  received: number;
  backlog: number;
  rejected: Record<string, number>;
}

function minuteLabel(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * Events received per minute, rejections by reason, events by source, deliveries per destination and by reason, and the
 * inbox backlog; processing falling behind (a banner while it is, and the recent episodes) for roles that may read
 * destinations (`GET /api/v1/pipeline-alerts` needs destinations:read).
 */
export function OverviewPage() {
  const canReadPipelineAlerts = useCan()('destinations:read');
  const pipelineAlerts = usePipelineAlerts(canReadPipelineAlerts);
  const processes = useProcesses();
  const [perMinute, setPerMinute] = useState<Point[] | undefined>(undefined);
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [deliveries, setDeliveries] = useState<DeliveryStats | undefined>(undefined);
  const [bySource, setBySource] = useState<SourceStats | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    const poll = async () => {
      try {
        const [minutes, metrics, stats, sourceStats] = await Promise.all([
          api<EventsPerMinute>('GET', '/api/v1/stats/events-per-minute?minutes=30'),
          apiText('/metrics'),
          api<DeliveryStats>('GET', '/api/v1/stats?minutes=60'),
          api<SourceStats>('GET', '/api/v1/stats/sources?minutes=60'),
        ]);
        if (!mounted.current) return;
        setDeliveries(stats);
        setBySource(sourceStats);
        setPerMinute(minutes.minutes.map((m) => ({ label: minuteLabel(m.at), value: m.count })));
        const samples = parsePrometheus(metrics);
        const rejected: Record<string, number> = {};
        for (const s of samples) {
          if (s.name === 'sluice_events_rejected_total' || s.name === 'sluice_requests_rejected_total') {
            const code = s.labels.code ?? 'unknown';
            rejected[code] = (rejected[code] ?? 0) + s.value;
          }
        }
        const snapshot = { at: Date.now(), received: sumOf(samples, 'sluice_events_received_total'), backlog: sumOf(samples, 'sluice_inbox_backlog'), rejected };
        setSnapshots((previous) => [...previous.slice(-59), snapshot]);
        setError(null);
      } catch (failure) {
        if (mounted.current) setError(failure);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      mounted.current = false;
      clearInterval(timer);
    };
  }, []);

  const latest = snapshots[snapshots.length - 1];
  const rejectedPoints: Point[] = latest ? Object.entries(latest.rejected).map(([label, value]) => ({ label, value })) : [];
  const backlogPoints: Point[] = snapshots.map((s) => ({ label: new Date(s.at).toLocaleTimeString(), value: s.backlog }));
  const destinations = deliveries?.destinations ?? [];
  const reasons: Record<string, number> = {};
  for (const d of destinations) {
    for (const [reason, n] of Object.entries(d.droppedByReason)) reasons[`dropped: ${reason}`] = (reasons[`dropped: ${reason}`] ?? 0) + n;
    for (const [reason, n] of Object.entries(d.failedByReason)) reasons[`failed: ${reason}`] = (reasons[`failed: ${reason}`] ?? 0) + n;
  }
  const reasonPoints: Point[] = Object.entries(reasons).map(([label, value]) => ({ label, value }));
  const totalMinute = perMinute?.reduce((t, p) => t + p.value, 0) ?? 0;

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {/* The banner only on a fresh answer: with Sluice unreachable the page's own error box says so. */}
      <PipelineAlertBanner open={pipelineAlerts.error === null ? openPipelineAlert(pipelineAlerts.data) : undefined} />
      <MissingRolesBanner missing={processes.error === null ? processes.data?.missingRoles : undefined} />
      <ErrorBox error={error} />
      <div className="stats">
        <div className="stat">
          <span className="stat-value">{latest?.received ?? '–'}</span>
          <span className="stat-label">events accepted since start</span>
        </div>
        <div className="stat">
          <span className="stat-value">{totalMinute}</span>
          <span className="stat-label">events stored, last 30 min</span>
        </div>
        <div className="stat">
          <span className="stat-value">{latest?.backlog ?? '–'}</span>
          <span className="stat-label">waiting in the inbox</span>
        </div>
        <div className="stat">
          <span className="stat-value">{rejectedPoints.reduce((t, p) => t + p.value, 0)}</span>
          <span className="stat-label">rejected since start</span>
        </div>
      </div>
      <div className="grid-2">
        <div className="card">
          <h2>Events received per minute</h2>
          {perMinute ? <BarChart title="Events received per minute, last 30 minutes" points={perMinute} /> : <p className="muted">Loading…</p>}
        </div>
        <div className="card">
          <h2>Rejected by reason</h2>
          <BarChart title="Rejected events and requests by error code since start" points={rejectedPoints} empty="Nothing rejected since Sluice started." />
        </div>
        <div className="card">
          <h2>Deliveries per destination</h2>
          <StackedBarChart
            title="Deliveries per destination in the last hour: delivered, retrying, failed, dropped"
            labels={destinations.map((d) => d.name)}
            series={DELIVERY_SERIES}
            values={DELIVERY_SERIES.map((s) => destinations.map((d) => d.totals[s.key]))}
            empty={deliveries ? 'No destinations yet.' : 'Loading…'}
          />
        </div>
        <div className="card">
          <h2>Dropped and failed by reason</h2>
          <BarChart title="Deliveries dropped or failed in the last hour, by reason" points={reasonPoints} empty="Nothing dropped or failed in the last hour." />
        </div>
        <div className="card">
          <h2>Events by source</h2>
          {bySource ? (
            <table data-testid="events-by-source">
              <caption className="sr-only">Events per source in the last hour: received, rejected, dropped, withheld</caption>
              <thead>
                <tr>
                  <th scope="col">Source (last hour)</th>
                  {SOURCE_KINDS.map((k) => (
                    <th key={k} scope="col">
                      {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {bySource.sources.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <Link to={`/sources/${s.id}`}>{s.name}</Link>
                    </th>
                    {SOURCE_KINDS.map((k) => (
                      <td key={k}>{s.totals[k]}</td>
                    ))}
                  </tr>
                ))}
                <tr>
                  <th scope="row" title={Object.entries(bySource.unassigned.rejectedByReason).map(([r, n]) => `${r}: ${n}`).join(', ')}>
                    No source (missing or unknown writeKey; whole installation)
                  </th>
                  {SOURCE_KINDS.map((k) => (
                    <td key={k}>{k === 'rejected' ? bySource.unassigned.totals.rejected : '–'}</td>
                  ))}
                </tr>
              </tbody>
            </table>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </div>
        <div className="card">
          <h2>Inbox backlog</h2>
          <LineChart title="Inbox backlog, sampled every 5 seconds" points={backlogPoints} empty="Sampling…" />
        </div>
      </div>
      {canReadPipelineAlerts && <PipelineAlertHistory alerts={pipelineAlerts.data} error={pipelineAlerts.error} />}
      <ProcessesCard processes={processes.data?.processes} error={processes.error} />
      <RoleAlertHistory alerts={processes.data?.roleAlerts} error={processes.error} />
    </section>
  );
}
