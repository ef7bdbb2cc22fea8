import type { ReactNode } from 'react';
import { durationText } from './duration-text';
import { ErrorBox } from './error-box';
import { TableHead } from './table-head';

/**
 * A card listing alert episodes of the installation, newest first (the overview's Processing alerts and Role alerts):
 * its title, what opens and ends an episode (`hint`), then loading, the error, `empty` when there is none, or the table
 * with one row per episode (`row` gives its cells).
 */
export function EpisodesCard<T extends { id: string }>(props: {
  id: string;
  title: string;
  hint: ReactNode;
  episodes: readonly T[] | undefined;
  error: unknown;
  empty: string;
  label: string;
  columns: string[];
  row: (episode: T) => ReactNode;
}) {
  const { episodes, error } = props;
  return (
    <section className="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      <p className="hint">{props.hint}</p>
      <ErrorBox error={error} />
      {episodes === undefined && error === null && <p className="muted">Loading…</p>}
      {episodes && episodes.length === 0 && <p className="muted">{props.empty}</p>}
      {episodes && episodes.length > 0 && (
        <table className="table compact alert-episodes" aria-label={props.label}>
          <TableHead columns={props.columns} />
          <tbody>
            {episodes.map((e) => (
              <tr key={e.id}>{props.row(e)}</tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The "Ended" and "Lasted" cells of an episode: `stillOpen` while it is open, else when it ended and how (`how`). */
export function EndedCells({ since, resolvedAt, stillOpen, how }: { since: string; resolvedAt: string | null; stillOpen: string; how: string | undefined }) {
  return (
    <>
      <td>
        {resolvedAt === null ? (
          <span className="muted">{stillOpen}</span>
        ) : (
          <>
            {new Date(resolvedAt).toLocaleString()}
            {how && <div className="hint">{how}</div>}
          </>
        )}
      </td>
      <td>{resolvedAt === null ? `${durationText(Date.now() - Date.parse(since))} so far` : durationText(Date.parse(resolvedAt) - Date.parse(since))}</td>
    </>
  );
}
