/**
 * The data map as a picture: sources -> Sluice -> destinations, each edge labelled with the personal-data
 * categories (CCPA) that travel on it. Hand-drawn SVG, like the charts; a table beside it says the same in text.
 */

export interface FlowNode {
  id: string;
  name: string;
  /** Categories labelled on this node's edge. */
  categories: string[];
  /** A gap or a warning about this node (drawn in red with a "!"). */
  flagged: boolean;
  /** A destination that is switched off (drawn dashed). */
  disabled?: boolean;
}

const W = 1000;
const ROW = 76;
const BOX_W = 190;
const BOX_H = 44;
const LEFT_X = 10;
const RIGHT_X = W - BOX_W - 10;
const CENTER_W = 150;
const CENTER_X = (W - CENTER_W) / 2;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Packs the category labels of an edge into at most three short lines ("+N more" when they do not fit). */
export function edgeLines(categories: readonly string[], width = 42, maxLines = 3): string[] {
  const lines: string[] = [];
  let current = '';
  for (let i = 0; i < categories.length; i++) {
    const label = categories[i]!;
    const next = current === '' ? label : `${current}, ${label}`;
    if (next.length <= width || current === '') {
      current = next;
      continue;
    }
    lines.push(current);
    current = label;
    if (lines.length === maxLines - 1 && categories.length - i > 1) {
      const rest = categories.length - i;
      lines.push(truncate(`${label}, +${rest - 1} more`, width));
      return lines;
    }
  }
  if (current !== '') lines.push(truncate(current, width));
  return lines;
}

/** The categories of an edge, written beside its end. */
function EdgeLabel({ x, y, categories, anchor }: { x: number; y: number; categories: string[]; anchor: 'start' | 'end' }) {
  if (categories.length === 0) {
    return (
      <text x={x} y={y} textAnchor={anchor} className="edge-label none">
        no personal data seen
      </text>
    );
  }
  const lines = edgeLines(categories);
  return (
    <text x={x} y={y - (lines.length - 1) * 13} textAnchor={anchor} className="edge-label">
      {lines.map((line, i) => (
        <tspan key={i} x={x} dy={i === 0 ? 0 : 13}>
          {line}
        </tspan>
      ))}
    </text>
  );
}

function Node({ x, y, node, kind }: { x: number; y: number; node: FlowNode; kind: 'source' | 'destination' }) {
  return (
    <g className={`node ${kind}${node.flagged ? ' flagged' : ''}${node.disabled ? ' disabled' : ''}`}>
      <rect x={x} y={y} width={BOX_W} height={BOX_H} rx={8} />
      <text x={x + 12} y={y + 27}>
        {truncate(node.name, 22)}
      </text>
      {node.flagged && (
        <text x={x + BOX_W - 14} y={y + 28} className="flag" textAnchor="middle">
          !
        </text>
      )}
    </g>
  );
}

/** Sources on the left, Sluice in the middle, destinations on the right. */
export function DataFlowDiagram({ sources, destinations }: { sources: FlowNode[]; destinations: FlowNode[] }) {
  const rows = Math.max(sources.length, destinations.length, 1);
  const H = rows * ROW + 40;
  const centerY = H / 2;
  const rowY = (i: number, n: number) => 20 + ((rows - n) * ROW) / 2 + i * ROW + (ROW - BOX_H) / 2;
  const curve = (x1: number, y1: number, x2: number, y2: number) => `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
  const description = [
    ...sources.map((s) => `${s.name} to Sluice: ${s.categories.join(', ') || 'no personal data seen'}`),
    ...destinations.map((d) => `Sluice to ${d.name}: ${d.categories.join(', ') || 'no personal data seen'}${d.flagged ? ' (flagged)' : ''}`),
  ].join('. ');
  return (
    <figure className="flow-diagram">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Data flow diagram" aria-describedby="flow-description">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
        </defs>
        {sources.map((s, i) => {
          const y = rowY(i, sources.length) + BOX_H / 2;
          return (
            <g key={`e-${s.id}`}>
              <path d={curve(LEFT_X + BOX_W, y, CENTER_X, centerY)} className="edge" markerEnd="url(#arrow)" />
              <EdgeLabel x={LEFT_X + BOX_W + 8} y={y - 8} categories={s.categories} anchor="start" />
            </g>
          );
        })}
        {destinations.map((d, i) => {
          const y = rowY(i, destinations.length) + BOX_H / 2;
          return (
            <g key={`e-${d.id}`}>
              <path d={curve(CENTER_X + CENTER_W, centerY, RIGHT_X, y)} className={`edge${d.flagged ? ' flagged' : ''}`} markerEnd="url(#arrow)" />
              <EdgeLabel x={RIGHT_X - 8} y={y - 8} categories={d.categories} anchor="end" />
            </g>
          );
        })}
        {sources.map((s, i) => (
          <Node key={s.id} x={LEFT_X} y={rowY(i, sources.length)} node={s} kind="source" />
        ))}
        {destinations.map((d, i) => (
          <Node key={d.id} x={RIGHT_X} y={rowY(i, destinations.length)} node={d} kind="destination" />
        ))}
        <g className="node sluice">
          <rect x={CENTER_X} y={centerY - 30} width={CENTER_W} height={60} rx={10} />
          <text x={CENTER_X + CENTER_W / 2} y={centerY + 6} textAnchor="middle">
            ≋ Sluice
          </text>
        </g>
        {destinations.length === 0 && (
          <text x={RIGHT_X + BOX_W / 2} y={centerY} textAnchor="middle" className="edge-label none">
            no destinations
          </text>
        )}
      </svg>
      <figcaption id="flow-description" className="sr-only">
        {description}
      </figcaption>
    </figure>
  );
}
