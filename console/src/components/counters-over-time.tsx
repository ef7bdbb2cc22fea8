import { useEffect, useRef } from 'react';
import { StackedBarChart, type Series } from './charts';

/** One minute of a counters series from GET /api/v1/stats or /api/v1/stats/sources. */
export type MinuteRow<K extends string> = { at: string } & Record<K, number>;

export const RANGES = [
  { minutes: 60, bucket: 1, label: 'Last hour' },
  { minutes: 1440, bucket: 15, label: 'Last 24 hours' },
] as const;
export type Range = (typeof RANGES)[number];

function timeLabel(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Stacked bars over time: one bar per `bucket` minutes (1 for the last hour, 15 for the last day). */
export function CountersOverTime<K extends string>({ title, perMinute, series, bucket }: { title: string; perMinute: MinuteRow<K>[]; series: (Series & { key: K })[]; bucket: number }) {
  const labels: string[] = [];
  const values: number[][] = series.map(() => []);
  for (let i = 0; i < perMinute.length; i += bucket) {
    const slice = perMinute.slice(i, i + bucket);
    labels.push(timeLabel(slice[0]!.at));
    series.forEach((s, j) => values[j]!.push(slice.reduce((n, m) => n + m[s.key], 0)));
  }
  return <StackedBarChart title={title} labels={labels} series={series} values={values} />;
}

/** Buttons choosing the last hour or the last 24 hours. */
export function RangePicker({ range, onChange, label }: { range: Range; onChange: (range: Range) => void; label: string }) {
  return (
    <span role="group" aria-label={label} className="actions">
      {RANGES.map((r) => (
        <button key={r.minutes} type="button" aria-pressed={r.minutes === range.minutes} onClick={() => onChange(r)}>
          {r.label}
        </button>
      ))}
    </span>
  );
}

/** Counts per reason, largest first; nothing when there are none. */
export function ReasonTable({ caption, counts }: { caption: string; counts: Record<string, number> }) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return null;
  return (
    <table className="reasons">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([reason, count]) => (
          <tr key={reason}>
            <td>
              <code>{reason}</code>
            </td>
            <td>{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Calls `tick` every `ms` while mounted (counters are written about once a second; the charts refresh slower). */
export function useInterval(tick: () => void, ms: number): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
