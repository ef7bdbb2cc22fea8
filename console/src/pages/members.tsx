import { useState, type FormEvent } from 'react';
import { api, ROLES, type Member, type RoleName } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';

const ROLE_HINTS: Record<RoleName, string> = {
  owner: 'everything, including other owners',
  admin: 'members, tokens, settings',
  privacy: 'privacy requests, consent, reports, PII',
  engineer: 'sources, destinations, events',
  viewer: 'read only, personal data masked',
};

/** A one-time link (invitation or password reset), shown once with a copy button. */
function OneTimeLink({ title, url, onClose }: { title: string; url: string; onClose: () => void }) {
  return (
    <div className="notice" role="status">
      <p>
        <strong>{title}</strong> Send it to them yourself; it is shown only now.
      </p>
      <p>
        <code data-testid="one-time-link">{url}</code> <CopyButton text={url} label="Copy link" />{' '}
        <button type="button" onClick={onClose}>
          Done
        </button>
      </p>
    </div>
  );
}

/** Members of the workspace: invite, change role, suspend or restore, require a new password, remove. */
export function MembersPage() {
  const list = useAsync(() => api<{ members: Member[] }>('GET', '/api/v1/members'), []);
  const [draft, setDraft] = useState<{ email: string; name: string; role: RoleName }>({ email: '', name: '', role: 'viewer' });
  const [inviteError, setInviteError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [link, setLink] = useState<{ title: string; url: string } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setInviteError(null);
    try {
      const answer = await api<{ member: Member; inviteUrl: string }>('POST', '/api/v1/members', { email: draft.email.trim(), name: draft.name.trim(), role: draft.role });
      setLink({ title: `Invitation link for ${answer.member.email}.`, url: answer.inviteUrl });
      setDraft({ email: '', name: '', role: 'viewer' });
      list.reload();
    } catch (failure) {
      setInviteError(failure);
    }
  };
  const act = async (run: () => Promise<void>) => {
    setError(null);
    try {
      await run();
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <form className="card inline-form" onSubmit={(e) => void invite(e)} aria-label="Invite a member">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" type="email" required value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="invite-name">Name</label>
          <input id="invite-name" required maxLength={200} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as RoleName })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r} ({ROLE_HINTS[r]})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary">
          Invite
        </button>
        <ErrorBox error={inviteError} onDismiss={() => setInviteError(null)} />
      </form>
      {link && <OneTimeLink title={link.title} url={link.url} onClose={() => setLink(null)} />}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={list.error} />
      {list.data && (
        <table className="table">
          <TableHead columns={['Name', 'Email', 'Role', 'Status', 'Last login']} actions />
          <tbody>
            {list.data.members.map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  <label className="sr-only" htmlFor={`role-${m.id}`}>
                    Role of {m.email}
                  </label>
                  <select id={`role-${m.id}`} value={m.role} onChange={(e) => void act(() => api('PATCH', `/api/v1/members/${m.id}`, { role: e.target.value }))}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <span className={`badge ${m.status === 'active' ? 'ok' : m.status === 'suspended' ? 'off' : ''}`}>{m.status}</span>
                  {m.locked && <span className="badge off">locked</span>}
                  {m.mustResetPassword && <span className="badge">must reset password</span>}
                </td>
                <td>{m.lastLoginAt ? new Date(m.lastLoginAt).toLocaleString() : <span className="muted">never</span>}</td>
                <td className="actions">
                  {m.status === 'suspended' ? (
                    <button type="button" onClick={() => void act(() => api('POST', `/api/v1/members/${m.id}/restore`))} aria-label={`Restore ${m.email}`}>
                      Restore
                    </button>
                  ) : (
                    <button type="button" onClick={() => void act(() => api('POST', `/api/v1/members/${m.id}/suspend`))} aria-label={`Suspend ${m.email}`}>
                      Suspend
                    </button>
                  )}
                  <button
                    type="button"
                    aria-label={`Send ${m.email} a password reset link`}
                    onClick={() =>
                      void act(async () => {
                        const answer = await api<{ resetUrl: string }>('POST', `/api/v1/members/${m.id}/require-password-reset`);
                        setLink({ title: `Password reset link for ${m.email}.`, url: answer.resetUrl });
                      })
                    }
                  >
                    Reset password
                  </button>
                  {confirmRemove === m.id ? (
                    <span className="confirm">
                      <button type="button" className="danger" onClick={() => void act(() => api('DELETE', `/api/v1/members/${m.id}`)).then(() => setConfirmRemove(null))}>
                        Yes, remove {m.email}
                      </button>
                      <button type="button" onClick={() => setConfirmRemove(null)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" onClick={() => setConfirmRemove(m.id)} aria-label={`Remove ${m.email}`}>
                      Remove
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
