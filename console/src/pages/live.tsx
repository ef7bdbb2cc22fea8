import { useEffect, useRef, useState } from 'react';
import { api, type ApiError, type EventView, type Source } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { openLiveStream } from '../live-stream';
import { navigate } from '../router';
import { EventOutcome } from './event-outcome';

const KEEP = 500;

export function eventTitle(e: EventView): string {
  if (e.type === 'track') return String(e.event ?? 'track');
  if (e.type === 'page' || e.type === 'screen') return `${e.type} ${typeof e.name === 'string' ? e.name : ''}`.trim();
  return String(e.type ?? '?');
}

export function who(e: EventView): string {
  return e.userId ? `user ${e.userId}` : e.anonymousId ? `anon ${e.anonymousId}` : '';
}

/** The live event debugger: new events of a source stream in; pick one to see its JSON and outcomes. */
export function LivePage({ sourceId }: { sourceId: string | undefined }) {
  const sources = useAsync(() => api<{ sources: Source[] }>('GET', '/api/v1/sources'), []);
  const [events, setEvents] = useState<EventView[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting' | 'stopped'>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<EventView | undefined>(undefined);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const effectiveId = sourceId ?? sources.data?.sources[0]?.id;

  useEffect(() => {
    if (!effectiveId) return;
    setEvents([]);
    setSelected(undefined);
    setError(null);
    const stop = openLiveStream(`/api/v1/sources/${encodeURIComponent(effectiveId)}/live?backlog=20`, {
      onMessage: (message) => {
        if (message.event !== 'event' || pausedRef.current) return;
        const event = JSON.parse(message.data) as EventView;
        setEvents((previous) => [event, ...previous].slice(0, KEEP));
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
        <button type="button" onClick={() => setEvents([])}>
          Clear
        </button>
      </div>
      <ErrorBox error={sources.error} />
      <ErrorBox error={error} />
      <div className="split">
        <ol className="event-list" aria-label="Events, newest first">
          {events.length === 0 && <li className="muted empty">Waiting for events… send one with the snippet or analytics-node.</li>}
          {events.map((e) => (
            <li key={String(e.messageId)}>
              <button type="button" className={`event-row${selected?.messageId === e.messageId ? ' selected' : ''}`} onClick={() => setSelected(e)} aria-pressed={selected?.messageId === e.messageId}>
                <span className={`type type-${String(e.type)}`}>{String(e.type)}</span>
                <span className="event-name">{eventTitle(e)}</span>
                <span className="event-who">{who(e)}</span>
                <time className="event-time">{e.receivedAt ? new Date(e.receivedAt).toLocaleTimeString() : ''}</time>
              </button>
            </li>
          ))}
        </ol>
        <div className="detail-pane">{selected?.messageId ? <EventOutcome key={selected.messageId} messageId={selected.messageId} fallback={selected} /> : <p className="muted">Select an event to see its JSON and what happened at each destination.</p>}</div>
      </div>
    </section>
  );
}
