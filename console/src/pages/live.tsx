import { useEffect, useRef, useState } from 'react';
import { api, type ApiError, type EventView, type Source } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { openLiveStream } from '../live-stream';
import { navigate } from '../router';
import { EventOutcome } from './event-outcome';

const KEEP = 500;

/** An event the Tracking API rejected (the stream's `rejection` messages): what was wrong and the shape sent, no values. */
interface LiveRejection {
  code: string;
  message: string;
  at: string;
  example?: { type?: string; event?: string; messageId?: string; shape: unknown };
}

/** An event the Tracking API accepted and the processor dropped before storage (the stream's `dropped` messages). */
interface LiveDrop {
  reason: string;
  message: string;
  at: string;
  example?: { type?: string; event?: string; messageId?: string; shape: unknown };
}

type Row =
  | { kind: 'event'; key: string; event: EventView }
  | { kind: 'rejection'; key: string; rejection: LiveRejection }
  | { kind: 'dropped'; key: string; drop: LiveDrop };

function DropDetail({ drop }: { drop: LiveDrop }) {
  return (
    <div className="rejection" aria-label={`Dropped: ${drop.reason}`}>
      <h2>
        Dropped: <code>{drop.reason}</code>
      </h2>
      <p>{drop.message}</p>
      <p className="muted">
        Accepted (the app was answered 200), then dropped before storage: not stored, not sent.
        {drop.example?.messageId !== undefined && (
          <>
            {' '}
            Its messageId: <code>{drop.example.messageId}</code>.
          </>
        )}{' '}
        {drop.example ? 'What was sent, with each value replaced by its type (values are not kept):' : ''}
      </p>
      {drop.example && (
        <pre tabIndex={0}>
          <code>{JSON.stringify(drop.example.shape, null, 2)}</code>
        </pre>
      )}
    </div>
  );
}

function RejectionDetail({ rejection }: { rejection: LiveRejection }) {
  return (
    <div className="rejection" aria-label={`Rejected: ${rejection.code}`}>
      <h2>
        Rejected: <code>{rejection.code}</code>
      </h2>
      <p>{rejection.message}</p>
      <p className="muted">
        Not stored.
        {rejection.example?.messageId !== undefined && (
          <>
            {' '}
            Its messageId: <code>{rejection.example.messageId}</code> (to find the call in the app&apos;s logs).
          </>
        )}{' '}
        What was sent, with each value replaced by its type (values are not kept):
      </p>
      {rejection.example ? (
        <pre tabIndex={0}>
          <code>{JSON.stringify(rejection.example.shape, null, 2)}</code>
        </pre>
      ) : (
        <p className="muted">The request was refused before its events were read.</p>
      )}
    </div>
  );
}

export function eventTitle(e: EventView): string {
  if (e.type === 'track') return String(e.event ?? 'track');
  if (e.type === 'page' || e.type === 'screen') return `${e.type} ${typeof e.name === 'string' ? e.name : ''}`.trim();
  // Which group, and which identity an alias merged: what tells one such call from another in a list.
  if (e.type === 'group' && typeof e.groupId === 'string') return `group ${e.groupId}`;
  if (e.type === 'alias' && typeof e.previousId === 'string') return `alias of ${e.previousId}`;
  return String(e.type ?? '?');
}

export function who(e: EventView): string {
  return e.userId ? `user ${e.userId}` : e.anonymousId ? `anon ${e.anonymousId}` : '';
}

/** The live event debugger: new events of a source stream in; pick one to see its JSON and outcomes. */
export function LivePage({ sourceId }: { sourceId: string | undefined }) {
  const sources = useAsync(() => api<{ sources: Source[] }>('GET', '/api/v1/sources'), []);
  const [rows, setRows] = useState<Row[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting' | 'stopped'>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<Row | undefined>(undefined);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const effectiveId = sourceId ?? sources.data?.sources[0]?.id;

  useEffect(() => {
    if (!effectiveId) return;
    setRows([]);
    setSelected(undefined);
    setError(null);
    const stop = openLiveStream(`/api/v1/sources/${encodeURIComponent(effectiveId)}/live?backlog=20`, {
      onMessage: (message) => {
        if (pausedRef.current) return;
        let row: Row;
        if (message.event === 'event') {
          const event = JSON.parse(message.data) as EventView;
          row = { kind: 'event', key: String(event.messageId), event };
        } else if (message.event === 'rejection') {
          const rejection = JSON.parse(message.data) as LiveRejection;
          row = { kind: 'rejection', key: `rejection ${rejection.code} ${rejection.at}`, rejection };
        } else if (message.event === 'dropped') {
          const drop = JSON.parse(message.data) as LiveDrop;
          row = { kind: 'dropped', key: `dropped ${drop.reason} ${drop.at}`, drop };
        } else return;
        setRows((previous) => [row, ...previous].slice(0, KEEP));
      },
      onStatus: (s) => {
        setStatus(s);
        if (s === 'live') setError(null);
      },
      onError: (e) => setError(e),
    });
    return () => {
      stop();
      setStatus('stopped');
    };
  }, [effectiveId]);

  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live events</h1>
      <div className="toolbar">
        <label htmlFor="live-source">Source</label>
        <select id="live-source" value={effectiveId ?? ''} onChange={(e) => navigate(`/live/${e.target.value}`)}>
          {sources.data?.sources.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <span className={`status status-${status}`} role="status" aria-live="polite">
          {status === 'live' ? (paused ? 'paused' : 'live') : status}
        </span>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setRows([])}>
          Clear
        </button>
      </div>
      <ErrorBox error={sources.error} />
      <ErrorBox error={error} />
      <div className="split">
        <ol className="event-list" aria-label="Events, newest first">
          {rows.length === 0 && <li className="muted empty">Waiting for events… send one with the snippet or analytics-node.</li>}
          {rows.map((row) => (
            <li key={row.key}>
              <button type="button" className={`event-row${row.kind === 'event' ? '' : ' rejected'}${selected?.key === row.key ? ' selected' : ''}`} onClick={() => setSelected(row)} aria-pressed={selected?.key === row.key}>
                {row.kind === 'event' ? (
                  <>
                    <span className={`type type-${String(row.event.type)}`}>{String(row.event.type)}</span>
                    <span className="event-name">{eventTitle(row.event)}</span>
                    <span className="event-who">{who(row.event)}</span>
                    <time className="event-time">{row.event.receivedAt ? new Date(row.event.receivedAt).toLocaleTimeString() : ''}</time>
                  </>
                ) : row.kind === 'dropped' ? (
                  <>
                    <span className="type type-rejected">dropped</span>
                    <span className="event-name">{row.drop.example?.event ?? row.drop.example?.type ?? 'event'}</span>
                    <span className="event-who">
                      <code>{row.drop.reason}</code>
                    </span>
                    <time className="event-time">{new Date(row.drop.at).toLocaleTimeString()}</time>
                  </>
                ) : (
                  <>
                    <span className="type type-rejected">rejected</span>
                    <span className="event-name">{row.rejection.example?.event ?? row.rejection.example?.type ?? 'request'}</span>
                    <span className="event-who">
                      <code>{row.rejection.code}</code>
                    </span>
                    <time className="event-time">{new Date(row.rejection.at).toLocaleTimeString()}</time>
                  </>
                )}
              </button>
            </li>
          ))}
        </ol>
        <div className="detail-pane">
          {selected?.kind === 'event' && selected.event.messageId ? (
            <EventOutcome key={selected.key} messageId={String(selected.event.messageId)} fallback={selected.event} />
          ) : selected?.kind === 'rejection' ? (
            <RejectionDetail rejection={selected.rejection} />
          ) : selected?.kind === 'dropped' ? (
            <DropDetail drop={selected.drop} />
          ) : (
            <p className="muted">Select an event to see its JSON and what happened at each destination.</p>
          )}
        </div>
      </div>
    </section>
  );
}
