import { useState, type FormEvent } from 'react';
import { api, download, type Member } from '../api';
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

/** Beginnings of action names, offered as suggestions (every action is `<resource>.<step>`). */
const ACTION_PREFIXES = ['privacy', 'privacy_request.', 'privacy_settings.', 'consent_categories.', 'pii_', 'member.', 'token.', 'source.', 'destination.', 'policy.', 'disclosure.', 'workspace.'];

/**
 * The query for the filters as typed: "Who" is part of the actor (a member's email, a token's name), or an
 * internal actor (`member:mem_…`, `token:tok_…`, with `*` for a prefix); "Action" is the start of the action. An id
 * typed alone (`member:mem_1`) is a prefix: the recorded actor goes on with the email or the token's name, so the
 * API refuses it as an exact actor.
 */
export function auditQuery(filters: { actor: string; action: string }): URLSearchParams {
  const query = new URLSearchParams({ limit: '200' });
  const actor = filters.actor.trim();
  const action = filters.action.trim();
  if (actor !== '') query.set(/^(member|token):/.test(actor) ? 'actor' : 'actorContains', /^(member|token):\S+$/.test(actor) && !actor.endsWith('*') ? `${actor}*` : actor);
  if (action !== '') query.set('action', action.endsWith('*') ? action : `${action}*`);
  return query;
}

/** GET /api/v1/audit-log: newest first; nextCursor when older entries are left. */
interface AuditPage {
  entries: AuditEntry[];
  nextCursor?: string;
}

/** The tamper-evident audit log: who did what, newest first. */
export function AuditLogPage() {
  const [draft, setDraft] = useState({ actor: '', action: '' });
  const [filters, setFilters] = useState(draft);
  const [open, setOpen] = useState<string | null>(null);
  const query = auditQuery(filters);
  const list = useAsync(() => api<AuditPage>('GET', `/api/v1/audit-log?${query.toString()}`), [query.toString()]);
  // Older pages loaded with "Load older entries", after the first page they follow (new filters start over).
  const [older, setOlder] = useState<{ after: AuditPage; entries: AuditEntry[]; nextCursor?: string } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  const more = older !== null && older.after === list.data ? older : null;
  const entries = list.data ? [...list.data.entries, ...(more?.entries ?? [])] : [];
  const nextCursor = more ? more.nextCursor : list.data?.nextCursor;
  const loadOlder = async () => {
    const first = list.data;
    if (!first || nextCursor === undefined) return;
    setOlderError(null);
    setLoadingOlder(true);
    try {
      const page = await api<AuditPage>('GET', `/api/v1/audit-log?${query.toString()}&cursor=${encodeURIComponent(nextCursor)}`);
      setOlder({ after: first, entries: [...(more?.entries ?? []), ...page.entries], ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) });
    } catch (failure) {
      setOlderError(failure);
    } finally {
      setLoadingOlder(false);
    }
  };
  // Suggestions for "Who": the members' emails (their console actions are recorded as member:mem_… (email)).
  const members = useAsync(() => api<{ members: Member[] }>('GET', '/api/v1/members').catch(() => ({ members: [] })), []);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="a-actor">Who</label>
          <input id="a-actor" list="a-actor-options" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="an email, a token's name" aria-describedby="a-actor-hint" />
          <datalist id="a-actor-options">
            {members.data?.members.map((m) => (
              <option key={m.id} value={m.email}>
                {m.name}
              </option>
            ))}
          </datalist>
          <span className="hint" id="a-actor-hint">
            Part of a member's email (what they did with their API tokens shows too) or a token's name; or member:mem_… / token:tok_… (end with * for a prefix).
          </span>
        </div>
        <div className="field">
          <label htmlFor="a-action">Action starts with</label>
          <input id="a-action" list="a-action-options" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="privacy, member., source.create" aria-describedby="a-action-hint" />
          <datalist id="a-action-options">
            {ACTION_PREFIXES.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <span className="hint" id="a-action-hint">
            For example <code>privacy</code> (privacy requests and settings) or <code>member.</code>.
          </span>
        </div>
        <div className="field actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      {/* A refused filter shows its error alone: the entries of the previous filters below it would read as its results. */}
      {list.data && !list.error && (
        <table className="table compact">
          <TableHead columns={['When', 'Actor', 'Action', 'Resource', 'Change']} />
          <tbody>
            {entries.map((e) => (
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
      <ErrorBox error={olderError} onDismiss={() => setOlderError(null)} />
      {list.data && !list.error && nextCursor !== undefined && (
        <button type="button" onClick={() => void loadOlder()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Load older entries'}
        </button>
      )}
      <AuditExport filters={query} />
    </section>
  );
}

/**
 * The log as a file an auditor can check without Sluice (`sluice audit verify --file`): the whole log, or the entries
 * the filters show (each line records the filters and the chain's head, so the check knows which gaps they made).
 */
function AuditExport({ filters }: { filters: URLSearchParams }) {
  const [error, setError] = useState<unknown>(null);
  const filtered = new URLSearchParams(filters);
  filtered.delete('limit');
  const save = (query: URLSearchParams | null) => {
    setError(null);
    const day = new Date().toISOString().slice(0, 10);
    download(query ? `/api/v1/audit-log/export?${query.toString()}` : '/api/v1/audit-log/export', `audit-log-${query ? 'filtered-' : ''}${day}.ndjson`).catch(setError);
  };
  return (
    <div className="card stack" role="region" aria-label="Export the audit log">
      <p className="muted">
        One entry per line with its hash, newest first. Anyone can check a copy without Sluice or its database: <code>sluice audit verify --file audit-log.ndjson</code> names the first
        entry changed, removed or moved. A filtered export is checked as far as it goes: each entry, and the links between entries next to each other in the log; what the filters left out cannot be checked.
      </p>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <div className="actions">
        <button type="button" onClick={() => save(null)}>
          Export the whole log (NDJSON)
        </button>
        {filtered.size > 0 && (
          <button type="button" onClick={() => save(filtered)}>
            Export the filtered entries (NDJSON)
          </button>
        )}
      </div>
    </div>
  );
}
