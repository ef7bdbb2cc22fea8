import { useState, type FormEvent } from 'react';
import { api, ApiError, type EventsPage, type EventView, type Source } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { EventOutcome } from './event-outcome';
import { eventTitle, who } from './live';
import { TableHead } from '../components/table-head';

const TYPES = ['', 'identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

interface Filters {
  sourceId: string;
  type: string;
  event: string;
  userId: string;
  anonymousId: string;
  messageId: string;
}

const EMPTY: Filters = { sourceId: '', type: '', event: '', userId: '', anonymousId: '', messageId: '' };

/** Filters a link to this page sets (`/events?messageId=...&sourceId=...`, from a profile's events, say). */
function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  const filters: Filters = { ...EMPTY };
  for (const key of Object.keys(EMPTY) as (keyof Filters)[]) filters[key] = params.get(key) ?? '';
  return filters;
}

function query(filters: Filters, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value.trim() !== '') params.set(key, value.trim());
  params.set('limit', '50');
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

/**
 * Stored events, newest first, with filters and paging. `search` is the page's query string: its filters apply at once,
 * and a link to one event (`?messageId=`) opens it.
 */
export function EventsPage({ search = '' }: { search?: string }) {
  const sources = useAsync(() => api<{ sources: Source[] }>('GET', '/api/v1/sources'), []);
  const [draft, setDraft] = useState<Filters>(() => filtersOf(search));
  const [filters, setFilters] = useState<Filters>(() => filtersOf(search));
  const [pages, setPages] = useState<EventView[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [selected, setSelected] = useState<EventView | undefined>(undefined);
  // Why a messageId looked up is not stored (rejected, or dropped before storage), as the event lookup says.
  const [notStored, setNotStored] = useState<string | undefined>(undefined);
  const first = useAsync(async () => {
    const page = await api<EventsPage>('GET', `/api/v1/events?${query(filters)}`);
    setPages(page.events);
    setCursor(page.nextCursor);
    setNotStored(undefined);
    const messageId = filters.messageId.trim();
    if (messageId !== '' && page.events.length === 0) {
      const source = filters.sourceId === '' ? '' : `?sourceId=${encodeURIComponent(filters.sourceId)}`;
      await api('GET', `/api/v1/events/${encodeURIComponent(messageId)}${source}`).catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.code === 'not_found') setNotStored(failure.message);
      });
    }
    // Looking up one event (a link from a profile): show it, with where it went.
    if (filters.messageId.trim() !== '' && page.events.length === 1) setSelected(page.events[0]);
    return page;
  }, [filters]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setSelected(undefined);
    setFilters({ ...draft });
  };
  const more = async () => {
    try {
      const page = await api<EventsPage>('GET', `/api/v1/events?${query(filters, cursor)}`);
      setPages((p) => [...p, ...page.events]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setMoreError(failure);
    }
  };
  const field = (key: keyof Filters, label: string) => (
    <div className="field">
      <label htmlFor={`f-${key}`}>{label}</label>
      <input id={`f-${key}`} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </div>
  );

  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <form className="card filters" onSubmit={apply} aria-label="Filter events">
        <div className="field">
          <label htmlFor="f-source">Source</label>
          <select id="f-source" value={draft.sourceId} onChange={(e) => setDraft({ ...draft, sourceId: e.target.value })}>
            <option value="">All sources</option>
            {sources.data?.sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-type">Type</label>
          <select id="f-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t === '' ? 'All types' : t}
              </option>
            ))}
          </select>
        </div>
        {field('event', 'Event name')}
        {field('userId', 'userId')}
        {field('anonymousId', 'anonymousId')}
        {field('messageId', 'messageId')}
        <div className="field actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Reset
          </button>
        </div>
      </form>
      <ErrorBox error={first.error} />
      <div className="split">
        <div>
          <table className="table compact">
            <TableHead columns={['Event', 'Who', 'Received']} />
            <tbody>
              {pages.map((e) => (
                <tr key={`${String(e.sourceId)}:${String(e.messageId)}`} className={selected?.messageId === e.messageId && selected?.sourceId === e.sourceId ? 'selected' : ''}>
                  <td>
                    <button type="button" className="link-button" onClick={() => setSelected(e)}>
                      <span className={`type type-${String(e.type)}`}>{String(e.type)}</span> {eventTitle(e)}
                    </button>
                  </td>
                  <td>{who(e)}</td>
                  <td>{e.receivedAt ? new Date(e.receivedAt).toLocaleString() : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!first.loading && pages.length === 0 && <p className="muted">No events match these filters.</p>}
          {!first.loading && pages.length === 0 && notStored !== undefined && (
            <p className="muted" aria-label="Why the messageId is not stored">
              {notStored}
            </p>
          )}
          <ErrorBox error={moreError} onDismiss={() => setMoreError(null)} />
          {cursor && (
            <button type="button" onClick={() => void more()}>
              Load older events
            </button>
          )}
        </div>
        <div className="detail-pane">{selected?.messageId ? <EventOutcome key={`${String(selected.sourceId)}:${selected.messageId}`} messageId={selected.messageId} fallback={selected} /> : <p className="muted">Select an event to see its JSON and what happened at each destination.</p>}</div>
      </div>
    </section>
  );
}
