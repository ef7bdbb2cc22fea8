import { useState } from 'react';
import { api } from '../api';
import type { Series } from '../components/charts';
import { CountersOverTime, RANGES, RangePicker, ReasonTable, useInterval, type MinuteRow, type Range } from '../components/counters-over-time';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';

type Kind = 'received' | 'stored' | 'rejected' | 'dropped' | 'withheld';
interface SourceSeries {
  id: string;
  totals: Record<Kind, number>;
  rejectedByReason: Record<string, number>;
  droppedByReason: Record<string, number>;
  withheldByReason: Record<string, number>;
  perMinute: MinuteRow<Kind>[];
}

const SERIES: (Series & { key: Kind })[] = [
  { key: 'received', name: 'received', className: 's-delivered' },
  { key: 'stored', name: 'stored', className: 's-queued' },
  { key: 'rejected', name: 'rejected', className: 's-failed' },
  { key: 'dropped', name: 'dropped', className: 's-dropped' },
  { key: 'withheld', name: 'withheld from a destination', className: 's-retrying' },
];

/** A source's counters from GET /api/v1/stats/sources: received / stored / rejected / dropped / withheld per minute, and why. */
export function SourceCounters({ sourceId }: { sourceId: string }) {
  const [range, setRange] = useState<Range>(RANGES[0]);
  const stats = useAsync(() => api<{ sources: SourceSeries[] }>('GET', `/api/v1/stats/sources?sourceId=${encodeURIComponent(sourceId)}&minutes=${range.minutes}`), [sourceId, range.minutes]);
  useInterval(() => stats.reload(), 15_000);
  const mine = stats.data?.sources[0];
  return (
    <div className="card" data-testid="source-counters">
      <h2>Events over time</h2>
      <RangePicker range={range} onChange={setRange} label="Time range" />
      <ErrorBox error={stats.error} />
      {mine ? (
        <>
          <p className="counts" data-testid="source-totals">
            {SERIES.map((s) => (
              <span key={s.key} className="count">
                <span className={`swatch ${s.className}`} /> {mine.totals[s.key]} {s.name}
              </span>
            ))}
          </p>
          <CountersOverTime title={`Events of this source per ${range.bucket === 1 ? 'minute' : `${range.bucket} minutes`}, ${range.label.toLowerCase()}: received, stored, rejected, dropped, withheld`} perMinute={mine.perMinute} series={SERIES} bucket={range.bucket} />
          <div className="grid-3">
            <ReasonTable caption="Rejected by the Tracking API" counts={mine.rejectedByReason} />
            <ReasonTable caption="Dropped by the processor (not stored)" counts={mine.droppedByReason} />
            <ReasonTable caption="Withheld from a destination (stored)" counts={mine.withheldByReason} />
          </div>
          <p className="muted">
            Rejections with no usable writeKey cannot be attributed to a source; the overview counts them. Counters are kept for 25 hours.
          </p>
        </>
      ) : (
        !stats.error && <p className="muted">Loading…</p>
      )}
    </div>
  );
}
