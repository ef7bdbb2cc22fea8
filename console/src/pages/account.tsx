import { useState } from 'react';
import { api, type PolicyVersion, type SessionInfo } from '../api';
import { useFormSubmit } from '../components/use-form-submit';
import { ErrorBox } from '../components/error-box';
import { EmailPreferences } from './email-preferences';
import { SessionsSettings } from './sessions-settings';
import { TwoFactorSettings } from './two-factor-settings';

/** Change your own password; when an admin required a reset, the current password is not asked. */
export function ChangePasswordForm({ forced, onChanged }: { forced: boolean; onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const { error, onSubmit } = useFormSubmit(async () => {
    setDone(false);
    if (next !== confirm) throw new Error('The two new passwords differ.');
    await api('POST', '/api/v1/me/password', { ...(!forced && { currentPassword: current }), newPassword: next });
    setCurrent('');
    setNext('');
    setConfirm('');
    setDone(true);
    onChanged();
  });
  return (
    <form className="card stack narrow" onSubmit={onSubmit} aria-labelledby="password-title">
      <h2 id="password-title">{forced ? 'Set a new password to continue' : 'Change password'}</h2>
      {forced && <p className="muted">An administrator requires you to choose a new password before you go on.</p>}
      {!forced && (
        <>
          <label htmlFor="current-password">Current password</label>
          <input id="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </>
      )}
      <label htmlFor="next-password">New password</label>
      <input id="next-password" type="password" autoComplete="new-password" required minLength={10} value={next} onChange={(e) => setNext(e.target.value)} />
      <label htmlFor="confirm-next-password">Repeat the new password</label>
      <input id="confirm-next-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      <ErrorBox error={error} />
      {done && (
        <p className="notice" role="status">
          Password changed. Your other sessions (other browsers and devices) were logged out.
        </p>
      )}
      <button type="submit" className="primary">
        Save password
      </button>
    </form>
  );
}

/** A material privacy-policy change the member has not accepted yet, shown above every page. */
export function PolicyBanner({ policy, onAccepted }: { policy: PolicyVersion; onAccepted: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const accept = async () => {
    try {
      await api('POST', '/api/v1/me/policy-acceptances', { policyVersionId: policy.id });
      onAccepted();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div className="card policy-banner" role="region" aria-label="Privacy policy update">
      <strong>
        {policy.title} v{policy.version}
      </strong>{' '}
      changed materially (in force from {new Date(policy.effectiveAt).toLocaleDateString()}).{' '}
      {policy.url ? (
        <a href={policy.url} target="_blank" rel="noreferrer">
          Read it
        </a>
      ) : (
        <details>
          <summary>Read it</summary>
          <div className="policy-text">{policy.text}</div>
        </details>
      )}{' '}
      <button type="button" className="primary" onClick={() => void accept()}>
        Accept
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

/** Your account: who you are, your role, your password, two-factor authentication, sessions and email notifications. */
export function AccountPage({ info, onChanged }: { info: SessionInfo; onChanged: () => void }) {
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <dl className="facts card">
        <dt>Signed in as</dt>
        <dd>{info.member ? `${info.member.name} <${info.member.email}>` : info.actor}</dd>
        <dt>Role</dt>
        <dd>{info.role}</dd>
      </dl>
      {info.member ? (
        <>
          <ChangePasswordForm forced={info.member.mustResetPassword} onChanged={onChanged} />
          <TwoFactorSettings />
          <SessionsSettings />
          <EmailPreferences member={info.member} onSaved={onChanged} />
        </>
      ) : (
        <p className="muted">You are using an API token; it has no password or second factor.</p>
      )}
    </section>
  );
}
