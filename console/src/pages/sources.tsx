import { useState, type FormEvent } from 'react';
import { api, type Source } from '../api';
import { Can } from '../components/can';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useAsync } from '../components/use-async';
import { navigate } from '../router';
import { TableHead, EnabledBadge } from '../components/table-head';

/** The sources of this workspace, and a form to create one. */
export function SourcesPage() {
  const sources = useAsync(() => api<{ sources: Source[] }>('GET', '/api/v1/sources'), []);
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setCreateError(null);
    try {
      const source = await api<Source>('POST', '/api/v1/sources', { name: name.trim() });
      setName('');
      navigate(`/sources/${source.id}`);
    } catch (failure) {
      setCreateError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">Sources</h1>
      <p className="muted">A source is a website, app or server that sends events. Each has its own writeKey.</p>
      <Can permission="sources:write">
        <form className="card inline-form" onSubmit={(e) => void create(e)} aria-label="Create a source">
          <label htmlFor="source-name">New source name</label>
          <input id="source-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Website" maxLength={200} required />
          <button type="submit" className="primary" disabled={busy || name.trim() === ''}>
            Create source
          </button>
          <ErrorBox error={createError} onDismiss={() => setCreateError(null)} />
        </form>
      </Can>
      <ErrorBox error={sources.error} />
      {sources.data && (
        <table className="table">
          <TableHead columns={['Name', 'Status', 'writeKey', 'Created']} actions />
          <tbody>
            {sources.data.sources.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/sources/${s.id}`}>{s.name}</Link>
                </td>
                <td><EnabledBadge enabled={s.enabled} /></td>
                <td>
                  <code>{s.writeKey}</code>
                </td>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>
                  <Link to={`/live/${s.id}`}>Live events</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
