import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  before?: unknown;
  after?: unknown;
  hash: string;
}

/** The tamper-evident audit log: who did what, newest first. */
export function AuditLogPage() {
  const [draft, setDraft] = useState({ actor: '', action: '' });
  const [filters, setFilters] = useState(draft);
  const [open, setOpen] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: '200', ...(filters.actor ? { actor: filters.actor } : {}), ...(filters.action ? { action: filters.action } : {}) });
  const list = useAsync(() => api<{ entries: AuditEntry[] }>('GET', `/api/v1/audit-log?${query.toString()}`), [query.toString()]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="a-actor">Actor</label>
          <input id="a-actor" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="token:tok_… or member:mem_*" />
        </div>
        <div className="field">
          <label htmlFor="a-action">Action</label>
          <input id="a-action" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="source.create" />
        </div>
        <div className="field actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      {list.data && (
        <table className="table compact">
          <TableHead columns={['When', 'Actor', 'Action', 'Resource', 'Change']} />
          <tbody>
            {list.data.entries.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>
                  <code>{e.actor}</code>
                </td>
                <td>{e.action}</td>
                <td>
                  {e.resourceName ?? ''} <code>{e.resourceId}</code>
                </td>
                <td>
                  {e.before !== undefined || e.after !== undefined ? (
                    <>
                      <button type="button" className="link-button" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                        {open === e.id ? 'Hide' : 'Show'}
                      </button>
                      {open === e.id && <pre className="json">{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre>}
                    </>
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && list.data.entries.length === 0 && <p className="muted">No entries match.</p>}
    </section>
  );
}
