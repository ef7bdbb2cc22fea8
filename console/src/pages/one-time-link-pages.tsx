import { useState, type FormEvent } from 'react';
import { ApiError, openSession, type LoginAnswer } from '../api';
import { ErrorBox } from '../components/error-box';
import { AuthFrame } from './login';

/** The `token` of a one-time link (`/setup?token=...`, `/invite?token=...`, `/reset-password?token=...`). */
function tokenFromUrl(): string {
  return new URLSearchParams(window.location.search).get('token') ?? '';
}

const MIN_PASSWORD = 10;

/** Password and its confirmation, checked here before the server checks again. */
function PasswordFields({ password, confirm, onPassword, onConfirm, label = 'Password' }: { password: string; confirm: string; onPassword: (v: string) => void; onConfirm: (v: string) => void; label?: string }) {
  return (
    <>
      <label htmlFor="new-password">{label}</label>
      <input id="new-password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} maxLength={200} value={password} onChange={(e) => onPassword(e.target.value)} aria-describedby="password-hint" />
      <p id="password-hint" className="hint">
        At least {MIN_PASSWORD} characters.
      </p>
      <label htmlFor="confirm-password">Repeat the password</label>
      <input id="confirm-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => onConfirm(e.target.value)} />
    </>
  );
}

function problemOf(password: string, confirm: string): string | null {
  if (password.length < MIN_PASSWORD) return `The password needs at least ${MIN_PASSWORD} characters.`;
  if (password !== confirm) return 'The two passwords differ.';
  return null;
}

function MissingToken() {
  return (
    <div className="error" role="alert">
      This page needs the link exactly as it was given to you (it ends with <code>?token=…</code>). Ask for a new link if it was cut.
    </div>
  );
}

interface Props {
  onDone: (answer: LoginAnswer) => void;
}

/** The submit of every one-time-link page: check the repeated password here, open the session, show errors. */
function useSessionSubmit(onDone: Props['onDone']) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent, passwords: { password: string; confirm: string }, open: () => Promise<LoginAnswer>) => {
    event.preventDefault();
    const problem = problemOf(passwords.password, passwords.confirm);
    if (problem) return setError(new Error(problem));
    setBusy(true);
    setError(null);
    open()
      .then(onDone, setError)
      .finally(() => setBusy(false));
  };
  return { error, busy, submit };
}

/** First start: the owner opens the setup link printed by `sluice start` and creates their console account. */
export function SetupPage({ onDone }: Props) {
  const token = tokenFromUrl();
  const [form, setForm] = useState({ name: '', email: '', password: '', confirm: '' });
  const { error, busy, submit: send } = useSessionSubmit(onDone);
  const submit = (event: FormEvent) => send(event, form, () => openSession('/api/v1/auth/setup', { token, name: form.name.trim(), email: form.email.trim(), password: form.password }));
  return (
    <AuthFrame title="Set up Sluice">
      {token === '' ? (
        <MissingToken />
      ) : (
        <form className="card stack" onSubmit={(e) => void submit(e)}>
          <p className="muted">Create the owner's console account. This link works once.</p>
          <label htmlFor="setup-name">Your name</label>
          <input id="setup-name" autoComplete="name" required maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          <label htmlFor="setup-email">Email</label>
          <input id="setup-email" type="email" autoComplete="username" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          <PasswordFields password={form.password} confirm={form.confirm} onPassword={(password) => setForm({ ...form, password })} onConfirm={(confirm) => setForm({ ...form, confirm })} />
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Create account
          </button>
        </form>
      )}
    </AuthFrame>
  );
}

/** An invited member opens their invitation link and chooses a password. */
export function AcceptInvitePage({ onDone }: Props) {
  const token = tokenFromUrl();
  const [form, setForm] = useState({ name: '', password: '', confirm: '' });
  const { error, busy, submit: send } = useSessionSubmit(onDone);
  const submit = (event: FormEvent) => send(event, form, () => openSession('/api/v1/auth/accept-invite', { token, password: form.password, ...(form.name.trim() !== '' && { name: form.name.trim() }) }));
  return (
    <AuthFrame title="Accept your invitation">
      {token === '' ? (
        <MissingToken />
      ) : (
        <form className="card stack" onSubmit={(e) => void submit(e)}>
          <p className="muted">Choose a password to join the workspace.</p>
          <label htmlFor="invite-name">Your name (optional: keeps the one the admin typed)</label>
          <input id="invite-name" autoComplete="name" maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          <PasswordFields password={form.password} confirm={form.confirm} onPassword={(password) => setForm({ ...form, password })} onConfirm={(confirm) => setForm({ ...form, confirm })} />
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Join
          </button>
        </form>
      )}
    </AuthFrame>
  );
}

/** A member opens a password-reset link and sets a new password (every other session of theirs ends). */
export function ResetPasswordPage({ onDone }: Props) {
  const token = tokenFromUrl();
  const [form, setForm] = useState({ password: '', confirm: '', code: '' });
  const { error, busy, submit: send } = useSessionSubmit(onDone);
  const submit = (event: FormEvent) => send(event, form, () => {
    // With two-factor on, the reset needs the authenticator's code (or a recovery code) too.
    const second = form.code.replace(/\s/g, '');
    const factor: Record<string, string> = second === '' ? {} : /^\d{6}$/.test(second) ? { code: second } : { recoveryCode: second };
    return openSession('/api/v1/auth/reset-password', { token, password: form.password, ...factor });
  });
  const needsCode = form.code !== '' || (error instanceof ApiError && error.code.startsWith('two_factor_'));
  return (
    <AuthFrame title="Set a new password">
      {token === '' ? (
        <MissingToken />
      ) : (
        <form className="card stack" onSubmit={(e) => void submit(e)}>
          <PasswordFields label="New password" password={form.password} confirm={form.confirm} onPassword={(password) => setForm({ ...form, password })} onConfirm={(confirm) => setForm({ ...form, confirm })} />
          {needsCode && (
            <>
              <label htmlFor="reset-code">Code from your authenticator app</label>
              <input id="reset-code" inputMode="numeric" autoComplete="one-time-code" required value={form.code} onChange={(e) => setForm({ ...form, code: e.target.value })} />
              <p className="hint">Two-factor authentication is on for this account; a recovery code works too.</p>
            </>
          )}
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Set password
          </button>
        </form>
      )}
    </AuthFrame>
  );
}
