import { Fragment, useState, type FormEvent } from 'react';
import { ROLE_PERMISSIONS, roleCovers } from '../../../src/accounts/permissions.js';
import { api, ROLES, type Member, type RoleName } from '../api';
import { Can } from '../components/can';
import { ConfirmPrompt } from '../components/confirm';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';
import { PERMISSION_WORDS, useCan, useGrants, type Permission } from '../permissions';

const ROLE_HINTS: Record<RoleName, string> = {
  owner: 'everything, including other owners',
  admin: 'members, tokens, settings',
  privacy: 'privacy requests, consent, reports, PII',
  engineer: 'sources, destinations, events',
  viewer: 'read only, personal data masked',
};

/** In order of consequence: personal data first. */
const PERMISSION_ORDER = Object.keys(PERMISSION_WORDS) as Permission[];

/** What `to` may do that `from` may not, and the reverse. */
export function roleDifference(from: RoleName, to: RoleName): { gains: Permission[]; loses: Permission[] } {
  const has = (role: RoleName, p: Permission) => ROLE_PERMISSIONS[role].includes(p);
  return { gains: PERMISSION_ORDER.filter((p) => has(to, p) && !has(from, p)), loses: PERMISSION_ORDER.filter((p) => has(from, p) && !has(to, p)) };
}

/** The invite and reset-password answers: whether the email with the link went out. */
interface EmailOutcome {
  sent: boolean;
  mode: 'smtp' | 'development';
  reason?: string;
}

/** Says truthfully what happened to the email that carries a one-time link. */
function emailNote(what: 'invitation' | 'password reset', to: string, email: EmailOutcome | undefined): string {
  if (!email) return `Send ${to} this link yourself.`;
  if (email.mode === 'development') {
    return `No mail server is configured (development mode): the ${what} email to ${to} was not delivered; it is kept in the development outbox (GET /api/v1/outbox). Send them this link yourself.`;
  }
  if (email.sent) return `The ${what} email was sent to ${to}. If it does not arrive, send them this link yourself.`;
  return `The ${what} email to ${to} could not be sent${email.reason ? ` (${email.reason})` : ''}. Send them this link yourself.`;
}

interface OneTimeLinkNote {
  key: number;
  title: string;
  note: string;
  url: string;
}

/** The one-time links of this visit (invitations, password resets), newest first, each until dismissed. */
function OneTimeLinks({ links, onDismiss }: { links: readonly OneTimeLinkNote[]; onDismiss: (key: number) => void }) {
  return (
    // The live region stays in the page so a link added later is announced; it looks like a notice only with links in it
    // (before, an empty green bar showed under the invitation form).
    <div className={links.length > 0 ? 'notice' : undefined} role="status" aria-label="One-time links">
      {links.length > 0 && (
        <>
          <p>
            <strong>One-time links</strong> (each is shown only on this page, until you dismiss it or leave):
          </p>
          <ul className="flags">
            {links.map((link) => (
              <li key={link.key} data-testid="one-time-link-item">
                <strong>{link.title}</strong> {link.note}
                <br />
                <code data-testid="one-time-link">{link.url}</code> <CopyButton text={link.url} label={`Copy the link for ${link.title}`} />{' '}
                <button type="button" onClick={() => onDismiss(link.key)} aria-label={`Dismiss the link: ${link.title}`}>
                  Done
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

type Pending = { kind: 'role'; id: string; role: RoleName } | { kind: 'two-factor' | 'remove' | 'suspend' | 'password-reset' | 'log-out'; id: string };

type MemberRow = Member & { twoFactorEnabled?: boolean };

/** Members of the workspace: invite, change role, suspend or restore, log out everywhere, require a new password, reset two-factor, remove. */
export function MembersPage() {
  const list = useAsync(() => api<{ members: MemberRow[] }>('GET', '/api/v1/members'), []);
  const [draft, setDraft] = useState<{ email: string; name: string; role: RoleName }>({ email: '', name: '', role: 'viewer' });
  const [inviteError, setInviteError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [links, setLinks] = useState<OneTimeLinkNote[]>([]);
  const [done, setDone] = useState<string | null>(null);
  // The role chosen in each row's select, until it is saved (choosing alone changes nothing).
  const [roleDraft, setRoleDraft] = useState<Record<string, RoleName>>({});
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  // Members:read roles (privacy) see the list; only members:write roles get the controls that change it.
  const manage = useCan()('members:write');
  // Only the roles the caller may grant (the API refuses a higher one with role_too_high).
  const { role: myRole } = useGrants();
  const grantable = ROLES.filter((r) => roleCovers(myRole, r));

  const addLink = (link: Omit<OneTimeLinkNote, 'key'>) => setLinks((current) => [{ ...link, key: Date.now() + Math.random() }, ...current]);
  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setInviteError(null);
    try {
      const answer = await api<{ member: Member; inviteUrl: string; email?: EmailOutcome }>('POST', '/api/v1/members', { email: draft.email.trim(), name: draft.name.trim(), role: draft.role });
      addLink({ title: `Invitation for ${answer.member.email} (${answer.member.role}).`, note: emailNote('invitation', answer.member.email, answer.email), url: answer.inviteUrl });
      setDraft({ email: '', name: '', role: 'viewer' });
      list.reload();
      document.getElementById('invite-email')?.focus();
    } catch (failure) {
      setInviteError(failure);
    }
  };
  /** Invites again someone who has not joined yet (a lost or expired link): a new link, the earlier ones void. */
  const reinvite = async (m: MemberRow) => {
    const answer = await api<{ member: Member; inviteUrl: string; email?: EmailOutcome }>('POST', '/api/v1/members', { email: m.email, name: m.name, role: m.role });
    addLink({ title: `New invitation for ${answer.member.email} (${answer.member.role}); earlier links no longer work.`, note: emailNote('invitation', answer.member.email, answer.email), url: answer.inviteUrl });
  };
  const act = async (run: () => Promise<void>) => {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      await run();
      setPending(null);
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const changeRole = (m: Member, role: RoleName) =>
    act(async () => {
      const answer = await api<Member & { invitation?: { inviteUrl: string; email?: EmailOutcome } }>('PATCH', `/api/v1/members/${m.id}`, { role });
      // The row shows the new role at once: until the list's reload came back, its select showed the old one (and a
      // choice made meanwhile started from it).
      list.update((current) => current && { ...current, members: current.members.map((x) => (x.id === m.id ? { ...x, role: answer.role } : x)) });
      setRoleDraft(({ [m.id]: _, ...rest }) => rest);
      if (answer.invitation) {
        // Not joined yet: their invitation named the old role, so a new one (naming the new role) went out.
        addLink({ title: `New invitation for ${m.email} (${role}); earlier links no longer work.`, note: emailNote('invitation', m.email, answer.invitation.email), url: answer.invitation.inviteUrl });
        setDone(`${m.email} will join as ${role}: a new invitation naming it replaces the earlier one.`);
      } else {
        setDone(`${m.email} is now ${role}.`);
      }
    });

  const confirmation = (m: MemberRow) => {
    if (!pending || pending.id !== m.id) return null;
    if (pending.kind === 'role') {
      const { gains, loses } = roleDifference(m.role, pending.role);
      return (
        <ConfirmPrompt label={`Confirm the role change of ${m.email}`} confirmLabel={`Change ${m.email} to ${pending.role}`} busy={busy} danger={gains.length > 0} onConfirm={() => void changeRole(m, pending.role)} onCancel={() => setPending(null)}>
          Change {m.email} from {m.role} to {pending.role}? It applies to their sessions and tokens at once.
          {gains.includes('pii_access') && (
            <>
              {' '}
              <strong>They gain access to personal data (pii_access).</strong>
            </>
          )}
          {gains.length > 0 && (
            <>
              <br />
              They will be able to:
              <ul>
                {gains.map((p) => (
                  <li key={p}>{PERMISSION_WORDS[p]}</li>
                ))}
              </ul>
            </>
          )}
          {loses.length > 0 && (
            <>
              They will no longer be able to:
              <ul>
                {loses.map((p) => (
                  <li key={p}>{PERMISSION_WORDS[p]}</li>
                ))}
              </ul>
            </>
          )}
        </ConfirmPrompt>
      );
    }
    if (pending.kind === 'two-factor') {
      return (
        <ConfirmPrompt
          label={`Confirm resetting two-factor for ${m.email}`}
          confirmLabel={`Turn off two-factor for ${m.email}`}
          busy={busy}
          onConfirm={() =>
            void act(async () => {
              await api('POST', `/api/v1/members/${m.id}/two-factor/reset`);
              setDone(`Two-factor authentication is off for ${m.email}; their sessions were ended. They log in with their password alone until they enroll again.`);
            })
          }
          onCancel={() => setPending(null)}
        >
          Turn off two-factor authentication for {m.email} (for a lost device)? Their sessions end now, and anyone with their password can log in as them until
          they enroll again. Make sure it is really them asking.
        </ConfirmPrompt>
      );
    }
    if (pending.kind === 'log-out') {
      return (
        <ConfirmPrompt
          label={`Confirm logging out ${m.email} everywhere`}
          confirmLabel={`Log out ${m.email} everywhere`}
          busy={busy}
          onConfirm={() =>
            void act(async () => {
              const { ended } = await api<{ ended: number }>('DELETE', `/api/v1/members/${m.id}/sessions`);
              setDone(`${m.email} was logged out of ${ended === 1 ? '1 session' : `${ended} sessions`}.`);
            })
          }
          onCancel={() => setPending(null)}
        >
          Log {m.email} out of every browser now (a lost or shared computer)? They can log in again with their password; their API tokens keep working.
        </ConfirmPrompt>
      );
    }
    if (pending.kind === 'suspend') {
      return (
        <ConfirmPrompt label={`Confirm suspending ${m.email}`} confirmLabel={`Suspend ${m.email}`} busy={busy} onConfirm={() => void act(() => api('POST', `/api/v1/members/${m.id}/suspend`))} onCancel={() => setPending(null)}>
          Suspend {m.email}? Their sessions end now and they cannot log in until restored; their API tokens stop working meanwhile.
        </ConfirmPrompt>
      );
    }
    if (pending.kind === 'password-reset') {
      return (
        <ConfirmPrompt
          label={`Confirm a password reset for ${m.email}`}
          confirmLabel={`Reset the password of ${m.email}`}
          busy={busy}
          onConfirm={() =>
            void act(async () => {
              const answer = await api<{ resetUrl: string; email?: EmailOutcome }>('POST', `/api/v1/members/${m.id}/require-password-reset`);
              addLink({ title: `Password reset for ${m.email}.`, note: emailNote('password reset', m.email, answer.email), url: answer.resetUrl });
            })
          }
          onCancel={() => setPending(null)}
        >
          Require a new password from {m.email}? Their sessions end now and their API tokens are refused until they set a new one from the link.
        </ConfirmPrompt>
      );
    }
    return (
      <ConfirmPrompt label={`Confirm removing ${m.email}`} confirmLabel={`Yes, remove ${m.email}`} busy={busy} onConfirm={() => void act(() => api('DELETE', `/api/v1/members/${m.id}`))} onCancel={() => setPending(null)}>
        Remove {m.email} from the workspace? Their sessions end and their API tokens are revoked.
      </ConfirmPrompt>
    );
  };

  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <Can permission="members:write">
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
              {grantable.map((r) => (
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
        {/* Invitations and password resets: only members:write makes one-time links. */}
        <OneTimeLinks links={links} onDismiss={(key) => setLinks((current) => current.filter((l) => l.key !== key))} />
      </Can>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={list.error} />
      {list.data && (
        <table className="table">
          <TableHead columns={['Name', 'Email', 'Role', 'Status', 'Last login']} actions={manage} />
          <tbody>
            {list.data.members.map((m) => {
              const chosen = roleDraft[m.id] ?? m.role;
              const prompt = confirmation(m);
              return (
                <Fragment key={m.id}>
                  <tr>
                    <td>{m.name}</td>
                    <td>{m.email}</td>
                    <td>
                      {manage && roleCovers(myRole, m.role) ? (
                        <>
                          <label className="sr-only" htmlFor={`role-${m.id}`}>
                            Role of {m.email}
                          </label>
                          <select id={`role-${m.id}`} value={chosen} onChange={(e) => setRoleDraft({ ...roleDraft, [m.id]: e.target.value as RoleName })}>
                            {grantable.map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>{' '}
                          {chosen !== m.role && (
                            <>
                              <button type="button" id={`change-role-${m.id}`} onClick={() => setPending({ kind: 'role', id: m.id, role: chosen })} aria-label={`Change the role of ${m.email} to ${chosen}`}>
                                Change…
                              </button>{' '}
                              <button type="button" className="link-button" onClick={() => setRoleDraft(({ [m.id]: _, ...rest }) => rest)} aria-label={`Keep ${m.email} as ${m.role}`}>
                                Keep {m.role}
                              </button>
                            </>
                          )}
                        </>
                      ) : (
                        m.role
                      )}
                    </td>
                    <td>
                      <span className={`badge ${m.status === 'active' ? 'ok' : m.status === 'suspended' ? 'off' : ''}`}>{m.status}</span>
                      {m.locked && <span className="badge off">locked</span>}
                      {m.mustResetPassword && <span className="badge">must reset password</span>}
                      {m.twoFactorEnabled && <span className="badge ok">two-factor</span>}
                    </td>
                    <td>{m.lastLoginAt ? new Date(m.lastLoginAt).toLocaleString() : <span className="muted">never</span>}</td>
                    {manage && (
                      <td className="actions">
                        {m.status === 'suspended' ? (
                          <button type="button" onClick={() => void act(() => api('POST', `/api/v1/members/${m.id}/restore`))} aria-label={`Restore ${m.email}`}>
                            Restore
                          </button>
                        ) : (
                          <button type="button" id={`suspend-${m.id}`} onClick={() => setPending({ kind: 'suspend', id: m.id })} aria-label={`Suspend ${m.email}`}>
                            Suspend…
                          </button>
                        )}
                        {m.status === 'active' && (
                          <button type="button" id={`log-out-${m.id}`} onClick={() => setPending({ kind: 'log-out', id: m.id })} aria-label={`Log ${m.email} out everywhere`}>
                            Log out everywhere…
                          </button>
                        )}
                        {m.status === 'invited' && !m.hasPassword ? (
                          // Not joined yet: nothing to reset. A new invitation link (the earlier ones stop working) is what they need.
                          <button type="button" id={`reinvite-${m.id}`} aria-label={`Send ${m.email} a new invitation link`} disabled={busy} onClick={() => void act(() => reinvite(m))}>
                            New invitation link
                          </button>
                        ) : (
                          <button type="button" id={`password-reset-${m.id}`} aria-label={`Send ${m.email} a password reset link`} onClick={() => setPending({ kind: 'password-reset', id: m.id })}>
                            Reset password…
                          </button>
                        )}
                        {m.twoFactorEnabled && (
                          <button type="button" id={`reset-2fa-${m.id}`} onClick={() => setPending({ kind: 'two-factor', id: m.id })} aria-label={`Reset two-factor for ${m.email}`}>
                            Reset two-factor…
                          </button>
                        )}
                        <button type="button" id={`remove-${m.id}`} onClick={() => setPending({ kind: 'remove', id: m.id })} aria-label={`Remove ${m.email}`}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                  {prompt && (
                    <tr>
                      <td colSpan={6}>{prompt}</td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
