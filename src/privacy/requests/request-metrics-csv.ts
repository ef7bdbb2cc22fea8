import type { RequestMetrics, TypeMetrics } from './request-metrics.js';

/** The columns, in the words a published disclosure uses (CCPA 11 CCR 7102), with where each value comes from. */
const COLUMNS: readonly (readonly [string, (m: TypeMetrics) => number | null])[] = [
  ['received', (m) => m.received],
  ['complied with (completed)', (m) => m.completed],
  ['denied', (m) => m.denied],
  ['closed without a decision: superseded (made again by the same person)', (m) => m.closedWithoutDecision.superseded],
  ['closed without a decision: never verified (code never entered)', (m) => m.closedWithoutDecision.neverVerified],
  ['open (failed included)', (m) => m.open],
  ['failed', (m) => m.failed],
  ['median days to respond', (m) => m.medianDaysToRespond],
];

const cell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * The request metrics as CSV (`GET /reports/request-metrics?format=csv`): one row per request type that received
 * any request in the period, then the total. Requests closed without a decision have columns of their own, so a
 * published table does not count them among denials.
 */
export function requestMetricsCsv(metrics: RequestMetrics): string {
  const rows = [['request type', ...COLUMNS.map(([name]) => name)]];
  for (const [type, m] of Object.entries(metrics.byType)) {
    if (m.received > 0) rows.push([type, ...COLUMNS.map(([, of]) => String(of(m) ?? ''))]);
  }
  rows.push(['total', ...COLUMNS.map(([, of]) => String(of(metrics.total) ?? ''))]);
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
