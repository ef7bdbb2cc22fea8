/** Small hand-drawn SVG charts (no chart library: a bar and a line chart are all the overview needs). */

export interface Point {
  label: string;
  value: number;
}

const W = 480;
const H = 200;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (max <= step * power) return step * power;
  return 10 * power;
}

function Axes({ max, labels }: { max: number; labels: string[] }) {
  const innerH = H - PAD.top - PAD.bottom;
  const ticks = [0, max / 2, max];
  const every = Math.max(1, Math.ceil(labels.length / 6));
  const innerW = W - PAD.left - PAD.right;
  return (
    <g className="axes">
      {ticks.map((t) => {
        const y = PAD.top + innerH - (t / max) * innerH;
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        );
      })}
      {labels.map((label, i) =>
        i % every === 0 ? (
          <text key={i} x={PAD.left + ((i + 0.5) * innerW) / labels.length} y={H - 8} textAnchor="middle">
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** A bar chart of labelled values; `title` is the accessible name, and the values are listed for screen readers. */
export function BarChart({ title, points, empty = 'No data yet.' }: { title: string; points: Point[]; empty?: string }) {
  if (points.length === 0) return <p className="muted">{empty}</p>;
  const max = niceMax(Math.max(...points.map((p) => p.value)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / points.length;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <Axes max={max} labels={points.map((p) => p.label)} />
        {points.map((p, i) => {
          const h = (p.value / max) * innerH;
          return (
            <rect key={i} x={PAD.left + i * slot + (slot - Math.min(slot * 0.7, 56)) / 2} width={Math.min(slot * 0.7, 56)} y={PAD.top + innerH - h} height={h} className="bar">
              <title>{`${p.label}: ${p.value}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="sr-only">{points.map((p) => `${p.label}: ${p.value}`).join(', ')}</figcaption>
    </figure>
  );
}

/** A line chart over time-ordered points. */
export function LineChart({ title, points, empty = 'No data yet.' }: { title: string; points: Point[]; empty?: string }) {
  if (points.length === 0) return <p className="muted">{empty}</p>;
  const max = niceMax(Math.max(...points.map((p) => p.value)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + ((i + 0.5) * innerW) / points.length;
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <Axes max={max} labels={points.map((p) => p.label)} />
        <path d={path} className="line" />
        {points.map((p, i) => (
          <circle key={i} cx={x(i)} cy={y(p.value)} r={2.5} className="dot">
            <title>{`${p.label}: ${p.value}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="sr-only">{points.map((p) => `${p.label}: ${p.value}`).join(', ')}</figcaption>
    </figure>
  );
}

export interface Series {
  name: string;
  /** A CSS class for the bars and the legend swatch. */
  className: string;
}

/** Stacked bars: one bar per label, one segment per series; the values are listed for screen readers too. */
export function StackedBarChart({ title, labels, series, values, empty = 'No data yet.' }: { title: string; labels: string[]; series: Series[]; values: number[][]; empty?: string }) {
  const totals = labels.map((_, i) => series.reduce((t, _s, j) => t + (values[j]?.[i] ?? 0), 0));
  if (labels.length === 0) return <p className="muted">{empty}</p>;
  const max = niceMax(Math.max(...totals));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / labels.length;
  const width = Math.min(slot * 0.7, 56);
  const description = labels.map((label, i) => `${label}: ${series.map((s, j) => `${s.name} ${values[j]?.[i] ?? 0}`).join(', ')}`).join('; ');
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <Axes max={max} labels={labels} />
        {labels.map((label, i) => {
          let y = PAD.top + innerH;
          return (
            <g key={i}>
              {series.map((s, j) => {
                const value = values[j]?.[i] ?? 0;
                const h = (value / max) * innerH;
                y -= h;
                return value > 0 ? (
                  <rect key={s.name} x={PAD.left + i * slot + (slot - width) / 2} width={width} y={y} height={h} className={s.className}>
                    <title>{`${label}, ${s.name}: ${value}`}</title>
                  </rect>
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.name}>
              <span className={`swatch ${s.className}`} /> {s.name}
            </li>
          ))}
        </ul>
        <span className="sr-only">{description}</span>
      </figcaption>
    </figure>
  );
}
