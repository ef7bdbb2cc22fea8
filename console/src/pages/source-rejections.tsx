import { api } from '../api';
import { useInterval } from '../components/counters-over-time';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';

/** GET /api/v1/sources/:id/rejections */
interface Rejection {
  code: string;
  message: string;
  count: number;
  lastAt: string;
  example?: { type?: string; event?: string; messageId?: string; shape: unknown };
}

/** GET /api/v1/sources/:id/rejections: `dropped` */
interface Dropped {
  reason: string;
  message: string;
  count: number;
  lastAt: string;
  example?: { type?: string; event?: string; messageId?: string; shape: unknown };
}

/**
 * Why this source's events were rejected in the last 24 hours: per error code, how many, what the client was
 * told, and the latest rejected event's shape (every key with the type of its value; no values are kept).
 * Segment's libraries do not show a 400's answer to anyone, so this is where an engineer finds out.
 */
export function SourceRejections({ sourceId }: { sourceId: string }) {
  const loaded = useAsync(() => api<{ rejections: Rejection[]; dropped?: Dropped[] }>('GET', `/api/v1/sources/${encodeURIComponent(sourceId)}/rejections`), [sourceId]);
  useInterval(() => loaded.reload(), 15_000);
  const rejections = loaded.data?.rejections ?? [];
  const dropped = loaded.data?.dropped ?? [];
  return (
    <div className="card" data-testid="source-rejections">
      <h2>Why events were rejected</h2>
      <ErrorBox error={loaded.error} />
      {loaded.data && rejections.length === 0 && <p className="muted">No events of this source were rejected in the last 24 hours.</p>}
      {rejections.map((r) => (
        <div key={r.code} className="rejection" aria-label={`Rejected: ${r.code}`}>
          <h3>
            <code>{r.code}</code> · {r.count.toLocaleString()} in 24 hours · last {new Date(r.lastAt).toLocaleString()}
          </h3>
          <p>{r.message}</p>
          {r.example && (
            <>
              <p className="muted">
                Latest: {r.example.type ?? 'an event'}
                {r.example.event !== undefined && (
                  <>
                    {' '}
                    <code>{r.example.event}</code>
                  </>
                )}
                {r.example.messageId !== undefined && (
                  <>
                    , messageId <code>{r.example.messageId}</code>
                  </>
                )}
                , sent as (values are not kept):
              </p>
              <pre tabIndex={0}>
                <code>{JSON.stringify(r.example.shape, null, 2)}</code>
              </pre>
            </>
          )}
        </div>
      ))}
      {dropped.length > 0 && (
        <>
          <h3>Accepted, then dropped before storage</h3>
          <p className="muted">The app was answered 200 for these; they were neither stored nor sent.</p>
          {dropped.map((d) => (
            <div key={d.reason} className="rejection" aria-label={`Dropped: ${d.reason}`}>
              <h3>
                <code>{d.reason}</code> · {d.count.toLocaleString()} in 24 hours · last {new Date(d.lastAt).toLocaleString()}
              </h3>
              <p>{d.message}</p>
              {d.example?.messageId !== undefined && (
                <p className="muted">
                  Latest: {d.example.type ?? 'an event'}
                  {d.example.event !== undefined && (
                    <>
                      {' '}
                      <code>{d.example.event}</code>
                    </>
                  )}
                  , messageId <code>{d.example.messageId}</code>
                </p>
              )}
            </div>
          ))}
        </>
      )}
    </div>
  );
}
