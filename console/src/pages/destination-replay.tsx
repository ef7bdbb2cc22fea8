import { useState, type FormEvent } from 'react';
import { api, type Destination } from '../api';
import { Can } from '../components/can';
import { localInput } from '../components/datetime-local';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useInterval } from '../components/counters-over-time';
import { TableHead } from '../components/table-head';

/** GET /api/v1/destinations/:id/replays */
export interface ReplayRun {
  id: string;
  kind: 'range' | 'failed';
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  /** A range replay's range. */
  from?: string;
  to?: string;
  event?: string;
  type?: string;
  total: number;
  read: number;
  queued: number;
  dropped: number;
  error?: string;
  requestedBy: string;
  createdAt: string;
  finishedAt?: string;
  /** A running replay no process is working on: since when. */
  waitingSince?: string;
}

/** A running replay no process has worked on for 10 s: there is probably no process with the `jobs` role. */
function stalled(r: ReplayRun, now = Date.now()): boolean {
  return r.waitingSince !== undefined && now - Date.parse(r.waitingSince) > 10_000;
}

const STALLED = 'No process is running it: replays run in a process with the jobs role (a scale deployment needs one; see docs/deploying.md).';

const plural = (n: number, one: string) => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;

/** What became of a replay, in one sentence. */
function replayOutcome(r: ReplayRun): string {
  const withheld = r.dropped > 0 ? `; ${r.dropped.toLocaleString()} withheld by consent, suppression, filters or PII rules (see the log)` : '';
  switch (r.status) {
    case 'running':
      return `Replaying: ${r.read.toLocaleString()} of ${plural(r.total, 'event')} read, ${r.queued.toLocaleString()} queued${withheld}.${stalled(r) ? ` ${STALLED}` : ''}`;
    case 'completed':
      return `Replay queued ${plural(r.queued, 'event')}${withheld}.`;
    case 'cancelled':
      return `Replay cancelled after ${r.read.toLocaleString()} of ${plural(r.total, 'event')}: ${r.queued.toLocaleString()} queued${withheld}.`;
    case 'failed':
      return `Replay failed after ${r.read.toLocaleString()} of ${plural(r.total, 'event')}: ${r.error ?? 'unknown error'}`;
  }
}

/**
 * Send the stored events of a time range to this destination again: the replay runs in the background (it
 * goes on if this page closes); its progress and the destination's earlier replays are shown below.
 */
export function DestinationReplay({ destination }: { destination: Destination }) {
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 86_400_000)));
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 60_000)));
  // Until the user picks an end, the range ends now: a page left open keeps including the events received since.
  const [toPicked, setToPicked] = useState(false);
  useInterval(() => !toPicked && setTo(localInput(new Date(Date.now() + 60_000))), 15_000);
  const [event, setEvent] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [startedId, setStartedId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const history = useAsync(() => api<{ replays: ReplayRun[] }>('GET', `/api/v1/destinations/${destination.id}/replays?limit=10`), [destination.id]);
  const replays = history.data?.replays ?? [];
  const anyRunning = replays.some((r) => r.status === 'running');
  useInterval(() => anyRunning && history.reload(), 1000);
  const started = replays.find((r) => r.id === startedId);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const replay = await api<ReplayRun>(
        'POST',
        `/api/v1/destinations/${destination.id}/replay`,
        { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(event.trim() !== '' && { event: event.trim() }) },
        { prefer: 'respond-async' },
      );
      setStartedId(replay.id);
      history.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async (id: string) => {
    setError(null);
    try {
      await api<ReplayRun>('POST', `/api/v1/destinations/${destination.id}/replays/${id}/cancel`);
    } catch (failure) {
      setError(failure);
    }
    history.reload();
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="replay-title">
      <h2 id="replay-title">Replay</h2>
      <Can permission="destinations:write" otherwise="explain">
        <p className="hint">
          Sends stored events received in this range to this destination again, oldest first, through the same consent and PII rules as they stand now. It runs in the background and waits while the
          destination has many events waiting.
        </p>
        <div className="filters">
          <div className="field">
            <label htmlFor="replay-from">From</label>
            <input id="replay-from" type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="replay-to">To</label>
            <input id="replay-to" type="datetime-local" required value={to} onChange={(e) => {
                setTo(e.target.value);
                setToPicked(true);
              }} />
          </div>
          <div className="field">
            <label htmlFor="replay-event">Only track events named (optional)</label>
            <input id="replay-event" value={event} onChange={(e) => setEvent(e.target.value)} />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? 'Starting…' : 'Start replay'}
          </button>
        </div>
      </Can>
      {started && (
        <div className="notice" role="status">
          {replayOutcome(started)}
          {started.status === 'running' && (
            <>
              {' '}
              <progress max={Math.max(started.total, 1)} value={started.read} aria-label="Replay progress" />
              {' '}
              <button type="button" onClick={() => void cancel(started.id)}>
                Cancel replay
              </button>
            </>
          )}
        </div>
      )}
      <ErrorBox error={error ?? history.error} />
      {replays.length > 0 && (
        <table className="table compact" aria-label="Recent replays">
          <TableHead columns={['Started', 'What', 'Events', 'Status', 'By']} />
          <tbody>
            {replays.map((r) => (
              <tr key={r.id}>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>
                  {r.kind === 'failed' || r.from === undefined || r.to === undefined ? 'Failed deliveries (retry all failed)' : `${new Date(r.from).toLocaleString()} – ${new Date(r.to).toLocaleString()}`}
                  {r.event !== undefined && (
                    <>
                      {' '}
                      (<code>{r.event}</code>)
                    </>
                  )}
                </td>
                <td>
                  {r.queued.toLocaleString()} queued{r.dropped > 0 ? `, ${r.dropped.toLocaleString()} withheld` : ''} ({r.read.toLocaleString()} of {r.total.toLocaleString()} read)
                </td>
                <td>
                  {r.status}
                  {r.error ? `: ${r.error}` : ''}
                  {stalled(r) ? ' (no process is running it)' : ''}
                  <Can permission="destinations:write">
                    {r.status === 'running' && r.id !== startedId && (
                      <>
                        {' '}
                        <button type="button" onClick={() => void cancel(r.id)} aria-label={`Cancel replay ${r.id}`}>
                          Cancel
                        </button>
                      </>
                    )}
                  </Can>
                </td>
                <td>{r.requestedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  );
}
