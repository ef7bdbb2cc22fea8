import { useState } from 'react';
import { api } from '../api';
import type { Series } from '../components/charts';
import { CountersOverTime, RANGES, RangePicker, ReasonTable, useInterval, type MinuteRow, type Range } from '../components/counters-over-time';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';

type Status = 'queued' | 'delivered' | 'retrying' | 'failed' | 'dropped';
interface DestinationSeries {
  id: string;
  totals: Record<Status, number>;
  droppedByReason: Record<string, number>;
  failedByReason: Record<string, number>;
  retryingByReason: Record<string, number>;
  perMinute: MinuteRow<Status>[];
}

const SERIES: (Series & { key: Status })[] = [
  { key: 'delivered', name: 'delivered', className: 's-delivered' },
  { key: 'retrying', name: 'retrying', className: 's-retrying' },
  { key: 'failed', name: 'failed', className: 's-failed' },
  { key: 'dropped', name: 'dropped', className: 's-dropped' },
];

/** A destination's delivery counters from GET /api/v1/stats: delivered / retrying / failed / dropped per minute, and why. */
export function DestinationCounters({ destinationId }: { destinationId: string }) {
  const [range, setRange] = useState<Range>(RANGES[0]);
  const stats = useAsync(() => api<{ destinations: DestinationSeries[] }>('GET', `/api/v1/stats?destinationId=${encodeURIComponent(destinationId)}&minutes=${range.minutes}`), [destinationId, range.minutes]);
  useInterval(() => stats.reload(), 15_000);
  const mine = stats.data?.destinations[0];
  return (
    <div className="card" data-testid="destination-counters">
      <h2>Deliveries over time</h2>
      <RangePicker range={range} onChange={setRange} label="Time range" />
      <ErrorBox error={stats.error} />
      {mine ? (
        <>
          <p className="counts" data-testid="destination-totals">
            {SERIES.map((s) => (
              <span key={s.key} className="count">
                <span className={`swatch ${s.className}`} /> {mine.totals[s.key]} {s.name}
              </span>
            ))}
          </p>
          <CountersOverTime title={`Deliveries per ${range.bucket === 1 ? 'minute' : `${range.bucket} minutes`}, ${range.label.toLowerCase()}: delivered, retrying, failed, dropped`} perMinute={mine.perMinute} series={SERIES} bucket={range.bucket} />
          <div className="grid-3">
            <ReasonTable caption="Dropped (filtered, consent, ...)" counts={mine.droppedByReason} />
            <ReasonTable caption="Retried (tried again later)" counts={mine.retryingByReason} />
            <ReasonTable caption="Failed (gave up)" counts={mine.failedByReason} />
          </div>
        </>
      ) : (
        !stats.error && <p className="muted">Loading…</p>
      )}
    </div>
  );
}
