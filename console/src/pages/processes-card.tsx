import { durationText } from '../components/duration-text';
import { ErrorBox } from '../components/error-box';
import { TableHead } from '../components/table-head';
import type { SluiceProcess } from '../api';

/** "just now", "3 minutes ago", "5 hours ago": since when a process runs. */
function agoText(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  return ms < 60_000 ? 'just now' : `${durationText(ms)} ago`;
}

/**
 * The overview's "Processes" card: the Sluice processes running now (each notes itself every 30 s), with host, pid,
 * roles, version and since when. Different versions side by side are a rolling upgrade in progress, or one left behind.
 */
export function ProcessesCard({ processes, error }: { processes: readonly SluiceProcess[] | undefined; error: unknown }) {
  const versions = new Set((processes ?? []).map((p) => p.version));
  return (
    <section className="card" aria-labelledby="processes-title">
      <h2 id="processes-title">Processes</h2>
      <p className="hint">Sluice processes running now, each noted every 30 seconds; one not seen for 95 seconds is taken for gone.</p>
      <ErrorBox error={error} />
      {processes === undefined && error === null && <p className="muted">Loading…</p>}
      {versions.size > 1 && (
        <p className="notice warn" role="status">
          Processes run different versions ({[...versions].join(', ')}): finish the upgrade, so every process reads and writes the same way.
        </p>
      )}
      {processes && processes.length > 0 && (
        <table className="table compact" aria-label="Running processes">
          <TableHead columns={['Host', 'PID', 'Roles', 'Version', 'Started']} />
          <tbody>
            {processes.map((p) => (
              <tr key={p.id}>
                <td>{p.host}</td>
                <td>{p.pid}</td>
                <td>{p.roles.join(', ')}</td>
                <td>{p.version}</td>
                <td title={new Date(p.startedAt).toLocaleString()}>{agoText(p.startedAt, Date.now())}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
