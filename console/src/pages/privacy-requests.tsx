import { useState, type FormEvent } from 'react';
import { api, download } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';

interface PrivacyRequest {
  id: string;
  type: string;
  status: string;
  regulation: string;
  subject: Record<string, string>;
  channel: string;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  verified: boolean;
  resultUrl?: string;
  denialReason?: string;
}

const TYPES = ['access', 'delete', 'correct', 'restrict', 'unrestrict', 'object', 'opt_out', 'limit_sensitive', 'suppress', 'unsuppress', 'know'] as const;
const VIEWS = [
  { id: 'open', label: 'All', path: '/api/v1/privacy-requests?limit=200' },
  { id: 'due-soon', label: 'Due within 7 days', path: '/api/v1/privacy-requests/due-soon?days=7' },
  { id: 'overdue', label: 'Overdue', path: '/api/v1/privacy-requests/overdue' },
] as const;

/** Days (or hours) left until a deadline, negative when past. */
function countdown(dueAt: string, now: number): string {
  const ms = Date.parse(dueAt) - now;
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  const hours = Math.floor((Math.abs(ms) % 86_400_000) / 3_600_000);
  const text = days > 0 ? `${days} d ${hours} h` : `${hours} h`;
  return ms >= 0 ? `${text} left` : `${text} overdue`;
}

/** The privacy-request queue: deadlines, lifecycle actions and results. */
export function PrivacyRequestsPage() {
  const [view, setView] = useState<(typeof VIEWS)[number]['id']>('open');
  const path = VIEWS.find((v) => v.id === view)!.path;
  const list = useAsync(() => api<{ requests: PrivacyRequest[] }>('GET', path), [path]);
  const [actionError, setActionError] = useState<unknown>(null);
  const [draft, setDraft] = useState({ type: 'access', field: 'email', value: '', verified: false });
  const [createError, setCreateError] = useState<unknown>(null);
  const now = Date.now();

  const act = async (id: string, action: 'verify' | 'approve' | 'deny' | 'extend' | 'retry') => {
    setActionError(null);
    let body: { reason: string } | undefined;
    if (action === 'deny' || action === 'extend') {
      const reason = window.prompt(action === 'deny' ? 'Reason for the denial (the subject is told):' : 'Reason for the extension (the subject is told):');
      if (!reason) return;
      body = { reason };
    }
    try {
      await api('POST', `/api/v1/privacy-requests/${encodeURIComponent(id)}/${action}`, body);
      list.reload();
    } catch (failure) {
      setActionError(failure);
    }
  };
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreateError(null);
    try {
      await api('POST', '/api/v1/privacy-requests', { type: draft.type, subject: { [draft.field]: draft.value.trim() }, ...(draft.verified ? { verified: true } : {}) });
      setDraft({ ...draft, value: '' });
      list.reload();
    } catch (failure) {
      setCreateError(failure);
    }
  };

  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Privacy requests</h1>
      <form className="card inline-form" onSubmit={(e) => void create(e)} aria-label="Open a privacy request">
        <label htmlFor="rq-type">Type</label>
        <select id="rq-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <label htmlFor="rq-field">Subject</label>
        <select id="rq-field" value={draft.field} onChange={(e) => setDraft({ ...draft, field: e.target.value })}>
          <option value="email">email</option>
          <option value="userId">userId</option>
          <option value="anonymousId">anonymousId</option>
        </select>
        <input aria-label="Subject identifier" value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })} required />
        <label>
          <input type="checkbox" checked={draft.verified} onChange={(e) => setDraft({ ...draft, verified: e.target.checked })} /> identity verified by me
        </label>
        <button type="submit" className="primary">
          Open request
        </button>
        <ErrorBox error={createError} onDismiss={() => setCreateError(null)} />
      </form>
      <div className="toolbar" role="tablist" aria-label="Queue">
        {VIEWS.map((v) => (
          <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className={view === v.id ? 'primary' : ''} onClick={() => setView(v.id)}>
            {v.label}
          </button>
        ))}
      </div>
      <ErrorBox error={list.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(null)} />
      {list.data && list.data.requests.length === 0 && <p className="muted">No requests here.</p>}
      {list.data && list.data.requests.length > 0 && (
        <table className="table">
          <TableHead columns={['Request', 'Subject', 'Status', 'Deadline', 'Actions']} />
          <tbody>
            {list.data.requests.map((r) => (
              <tr key={r.id}>
                <td>
                  <strong>{r.type}</strong> <span className="muted">{r.regulation.toUpperCase()}</span>
                  <br />
                  <code>{r.id}</code>
                </td>
                <td>{Object.entries(r.subject).map(([k, v]) => `${k}: ${v}`).join(', ')}</td>
                <td>
                  <span className={`badge ${r.status === 'completed' ? 'ok' : r.status === 'denied' || r.status === 'failed' ? 'off' : ''}`}>{r.status}</span>
                  {r.denialReason && <div className="muted">{r.denialReason}</div>}
                </td>
                <td className={r.overdue ? 'overdue' : ''}>
                  {['completed', 'denied'].includes(r.status) ? '—' : countdown(r.dueAt, now)}
                  <div className="muted">{new Date(r.dueAt).toLocaleDateString()}</div>
                </td>
                <td className="actions">
                  {(r.status === 'received' || r.status === 'verifying') && (
                    <button type="button" onClick={() => void act(r.id, 'verify')}>
                      Verify
                    </button>
                  )}
                  {r.status === 'awaiting_approval' && (
                    <button type="button" onClick={() => void act(r.id, 'approve')}>
                      Approve
                    </button>
                  )}
                  {!['completed', 'denied', 'failed'].includes(r.status) && (
                    <>
                      <button type="button" onClick={() => void act(r.id, 'deny')}>
                        Deny…
                      </button>
                      <button type="button" onClick={() => void act(r.id, 'extend')}>
                        Extend…
                      </button>
                    </>
                  )}
                  {r.status === 'failed' && (
                    <button type="button" onClick={() => void act(r.id, 'retry')}>
                      Retry
                    </button>
                  )}
                  {r.resultUrl && (
                    <button type="button" onClick={() => void download(r.resultUrl!, `${r.type}-${r.id}.json`).catch(setActionError)}>
                      Download result
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
