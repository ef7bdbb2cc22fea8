import { useState, type FormEvent } from 'react';
import { api, type Source } from '../api';
import { Can } from '../components/can';
import { CopyButton } from '../components/copy-button';
import { ConfirmPrompt } from '../components/confirm';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useAsync } from '../components/use-async';
import { usePublicUrl } from '../console-config';
import { analyticsJsSnippet, analyticsNodeSetup, consentSnippet } from '../snippets';
import { EnabledBadge } from '../components/table-head';
import { SourceCounters } from './source-counters';
import { SourceRejections } from './source-rejections';

function Snippet({ title, code, id }: { title: string; code: string; id: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <h3 id={id}>{title}</h3>
        <CopyButton text={code} label={`Copy ${title}`} />
      </div>
      <pre aria-labelledby={id} tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

/** One source: its setup snippets, rename, enable/disable and writeKey rotation. */
export function SourceDetailPage({ id }: { id: string }) {
  const loaded = useAsync(() => api<Source>('GET', `/api/v1/sources/${encodeURIComponent(id)}`), [id]);
  const publicUrl = usePublicUrl();
  const [source, setSource] = useState<Source | undefined>(undefined);
  const [name, setName] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [confirmDisable, setConfirmDisable] = useState(false);
  const current = source ?? loaded.data;

  const patch = async (body: { name?: string; enabled?: boolean }) => {
    setError(null);
    try {
      setSource(await api<Source>('PATCH', `/api/v1/sources/${encodeURIComponent(id)}`, body));
      setName(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  const rotate = async () => {
    setError(null);
    setConfirmRotate(false);
    try {
      setSource(await api<Source>('POST', `/api/v1/sources/${encodeURIComponent(id)}/rotate-write-key`));
    } catch (failure) {
      setError(failure);
    }
  };
  const rename = (event: FormEvent) => {
    event.preventDefault();
    if (name !== undefined && name.trim() !== '') void patch({ name: name.trim() });
  };

  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (!current) return <p className="muted">Loading…</p>;
  return (
    <section aria-labelledby="source-title">
      <p>
        <Link to="/sources">← Sources</Link>
      </p>
      <h1 id="source-title">
        {current.name} <EnabledBadge enabled={current.enabled} />
      </h1>
      <p>
        writeKey <code data-testid="write-key">{current.writeKey}</code> <CopyButton text={current.writeKey} label="Copy writeKey" /> ·{' '}
        <Link to={`/live/${current.id}`}>Open the live debugger</Link>
      </p>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <Can permission="sources:write">
        <div className="card">
          <h2>Settings</h2>
          <form className="inline-form" onSubmit={rename}>
            <label htmlFor="rename">Name</label>
            <input id="rename" value={name ?? current.name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <button type="submit" disabled={name === undefined || name.trim() === '' || name === current.name}>
              Rename
            </button>
          </form>
          <div className="actions">
            {!current.enabled ? (
              <button type="button" id="source-enable" onClick={() => void patch({ enabled: true })}>
                Enable source
              </button>
            ) : confirmDisable ? (
              <ConfirmPrompt
                label={`Confirm disabling ${current.name}`}
                confirmLabel="Disable now"
                onConfirm={() => {
                  setConfirmDisable(false);
                  void patch({ enabled: false });
                }}
                onCancel={() => setConfirmDisable(false)}
              >
                Live traffic is refused from now on: every Tracking API call with this writeKey gets <code>401 source_disabled</code> and its events are not
                stored. Enable the source again to accept events.
              </ConfirmPrompt>
            ) : (
              <button type="button" id="source-disable" onClick={() => setConfirmDisable(true)}>
                Disable source…
              </button>
            )}
            {confirmRotate ? (
              <span className="confirm" role="group" aria-label="Confirm rotation">
                The old writeKey stops working at once.{' '}
                <button type="button" className="danger" onClick={() => void rotate()} autoFocus>
                  Rotate now
                </button>{' '}
                <button type="button" onClick={() => setConfirmRotate(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" onClick={() => setConfirmRotate(true)}>
                Rotate writeKey…
              </button>
            )}
          </div>
        </div>
      </Can>
      <SourceCounters sourceId={current.id} />
      <SourceRejections sourceId={current.id} />
      <div className="card">
        <h2>Set up</h2>
        {publicUrl === undefined ? (
          <p className="muted">Loading…</p>
        ) : (
          <>
            <Snippet id="snippet-js" title="analytics.js snippet" code={analyticsJsSnippet(publicUrl, current.writeKey)} />
            <Snippet id="snippet-consent" title="Consent banner" code={consentSnippet(publicUrl, current.writeKey)} />
            <Snippet id="snippet-node" title="analytics-node setup" code={analyticsNodeSetup(publicUrl, current.writeKey)} />
          </>
        )}
      </div>
    </section>
  );
}
