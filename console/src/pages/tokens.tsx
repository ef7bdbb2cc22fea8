import { useState, type FormEvent } from 'react';
import { api, ROLES, type RoleName } from '../api';
import { Can } from '../components/can';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';
import { roleCovers } from '../../../src/accounts/permissions.js';
import { useCan, useGrants } from '../permissions';

interface ApiToken {
  id: string;
  name: string;
  role: RoleName;
  memberId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  /** The token a rotation replaced this one with: its old secret works until expiresAt (the overlap asked for). */
  replacedBy: string | null;
  /** The member the token belongs to; null for a token of no member (the bootstrap token) or of one removed since. */
  memberEmail: string | null;
  /** The role it acts with now (the lower of its own and its member's); null while its member cannot use it. */
  actsAs: RoleName | null;
}

/** The token's role as it works now: its own, lowered to its member's, or not at all while the member cannot use it. */
export function tokenRoleText(t: Pick<ApiToken, 'role' | 'memberId' | 'memberEmail' | 'actsAs'>): string {
  if (t.actsAs === null) return `${t.role} (not working now: its member is suspended, removed or must set a new password)`;
  if (t.actsAs !== t.role) return `${t.role} (acts as ${t.actsAs}: ${t.memberEmail ?? 'its member'}'s role)`;
  return t.role;
}

/** How long a rotated token's old secret may keep working, so the services using it can move over (minutes, text). */
const OVERLAPS: readonly (readonly [number, string])[] = [
  [0, 'stops working now'],
  [60, 'keeps working 1 hour'],
  [24 * 60, 'keeps working 24 hours'],
  [7 * 24 * 60, 'keeps working 7 days'],
];

/** API tokens: create one (its secret is shown once), see when each was last used, revoke. */
export function TokensPage() {
  const list = useAsync(() => api<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens'), []);
  const [draft, setDraft] = useState<{ name: string; role: RoleName; expires: string }>({ name: '', role: 'engineer', expires: '' });
  const [created, setCreated] = useState<{ name: string; token: string; rotated?: boolean; oldUntil?: string | null } | null>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<{ id: string; kind: 'revoke' | 'rotate' } | null>(null);
  // How long a rotated token's old secret keeps working, in minutes (0: it stops at once).
  const [overlap, setOverlap] = useState(0);
  // Engineers see the tokens (tokens:read); creating and revoking needs tokens:write.
  const manage = useCan()('tokens:write');
  // Only the roles the caller may grant (the API refuses a higher one with role_too_high).
  const { role: myRole } = useGrants();
  const grantable = ROLES.filter((r) => roleCovers(myRole, r));

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreateError(null);
    try {
      const answer = await api<ApiToken & { token: string }>('POST', '/api/v1/tokens', {
        name: draft.name.trim(),
        role: draft.role,
        ...(draft.expires !== '' && { expiresAt: new Date(`${draft.expires}T23:59:59`).toISOString() }),
      });
      setCreated({ name: answer.name, token: answer.token });
      setDraft({ name: '', role: 'engineer', expires: '' });
      list.reload();
    } catch (failure) {
      setCreateError(failure);
    }
  };
  // Whose the caller is: only their own tokens (and, for an owner, tokens of no member) may be rotated.
  const me = useAsync(() => api<{ member?: { id: string } }>('GET', '/api/v1/auth/session'), []);
  // A token rotated already (its old secret in its overlap) is not rotated again: its replacement is.
  const mayRotate = (t: ApiToken) => t.replacedBy === null && (t.memberId === null ? myRole === 'owner' : t.memberId === me.data?.member?.id);
  const rotate = async (t: ApiToken) => {
    setError(null);
    try {
      const answer = await api<ApiToken & { token: string; oldSecretValidUntil: string | null }>('POST', `/api/v1/tokens/${t.id}/rotate`, { oldSecretValidForMinutes: overlap });
      setConfirm(null);
      setOverlap(0);
      setCreated({ name: answer.name, token: answer.token, rotated: true, oldUntil: answer.oldSecretValidUntil });
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api('DELETE', `/api/v1/tokens/${id}`);
      setConfirm(null);
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  // An expired token works no more than a revoked one: it is not listed among the active ones.
  const now = Date.now();
  const expired = (t: ApiToken) => t.expiresAt !== null && Date.parse(t.expiresAt) <= now;
  const active = (list.data?.tokens ?? []).filter((t) => t.revokedAt === null && !expired(t));
  const ended = (list.data?.tokens ?? []).filter((t) => t.revokedAt === null && expired(t));
  const revoked = (list.data?.tokens ?? []).filter((t) => t.revokedAt !== null);
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <p className="muted">Tokens call the admin API (Authorization: Bearer). A token never acts with a higher role than its creator has now, and stops working while its creator is suspended, removed or must set a new password.</p>
      <Can permission="tokens:write">
        <form className="card inline-form" onSubmit={(e) => void create(e)} aria-label="Create an API token">
          <div className="field">
            <label htmlFor="token-name">Token name</label>
            <input id="token-name" required maxLength={200} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} placeholder="e.g. CI deploy" />
          </div>
          <div className="field">
            <label htmlFor="token-role">Role</label>
            <select id="token-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as RoleName })}>
              {grantable.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="token-expires">Expires (optional)</label>
            <input id="token-expires" type="date" value={draft.expires} onChange={(e) => setDraft({ ...draft, expires: e.target.value })} />
          </div>
          <button type="submit" className="primary">
            Create token
          </button>
          <ErrorBox error={createError} onDismiss={() => setCreateError(null)} />
        </form>
      </Can>
      {created && (
        <div className="notice" role="status">
          <p>
            <strong>
              Token “{created.name}” {created.rotated ? (created.oldUntil ? `rotated: the old secret works until ${new Date(created.oldUntil).toLocaleString()}` : 'rotated: the old secret no longer works') : 'created'}.
            </strong>{' '}
            Copy it now: it is not shown again.
          </p>
          <p>
            <code data-testid="new-token">{created.token}</code> <CopyButton text={created.token} label="Copy token" />{' '}
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={list.error} />
      {list.data && (
        <table className="table" aria-label="Active tokens">
          <TableHead columns={['Name', 'Belongs to', 'Role', 'Created', 'Last used', 'Expires']} actions={manage} />
          <tbody>
            {active.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.memberEmail ?? <span className="muted">{t.memberId === null ? 'no member (installation)' : 'a removed member'}</span>}</td>
                <td>{tokenRoleText(t)}</td>
                <td>{new Date(t.createdAt).toLocaleString()}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : <span className="muted">never</span>}</td>
                <td>
                  {t.replacedBy !== null && t.expiresAt ? (
                    <span>old secret of a rotation: works until {new Date(t.expiresAt).toLocaleString()}</span>
                  ) : t.expiresAt ? (
                    new Date(t.expiresAt).toLocaleDateString()
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                {manage && (
                  <td>
                    {confirm?.id === t.id ? (
                      <span className="confirm">
                        {confirm.kind === 'revoke' ? (
                          <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                            Yes, revoke {t.name}
                          </button>
                        ) : (
                          <>
                            <label>
                              Old secret{' '}
                              <select value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} aria-label={`When the old secret of ${t.name} stops working`}>
                                {OVERLAPS.map(([minutes, text]) => (
                                  <option key={minutes} value={minutes}>
                                    {text}
                                  </option>
                                ))}
                              </select>
                            </label>{' '}
                            <button type="button" className="danger" onClick={() => void rotate(t)}>
                              Yes, rotate {t.name} (the old secret {OVERLAPS.find(([m]) => m === overlap)?.[1]})
                            </button>
                          </>
                        )}
                        <button type="button" onClick={() => setConfirm(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <>
                        {mayRotate(t) && (
                          <button type="button" onClick={() => setConfirm({ id: t.id, kind: 'rotate' })} aria-label={`Rotate ${t.name}`}>
                            Rotate…
                          </button>
                        )}{' '}
                        <button type="button" onClick={() => setConfirm({ id: t.id, kind: 'revoke' })} aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ended.length > 0 && (
        <details className="card">
          <summary>{ended.length} expired token{ended.length === 1 ? '' : 's'}</summary>
          <ul>
            {ended.map((t) => (
              <li key={t.id}>
                {t.name} ({t.role}), expired {new Date(t.expiresAt!).toLocaleString()}
              </li>
            ))}
          </ul>
        </details>
      )}
      {revoked.length > 0 && (
        <details className="card">
          <summary>{revoked.length} revoked token{revoked.length === 1 ? '' : 's'}</summary>
          <ul>
            {revoked.map((t) => (
              <li key={t.id}>
                {t.name} ({t.role}), revoked {new Date(t.revokedAt!).toLocaleString()}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
