import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, loadSession, openSession, session, type SessionInfo } from '../api';
import { ErrorBox } from '../components/error-box';

/** The page frame of the logged-out pages (login, setup, invitation, password reset). */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="login" id="main">
      <p className="brand-line">
        <span className="logo" aria-hidden="true">
          ≋
        </span>{' '}
        Sluice
      </p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

/** Log in with email and password (a console session), or by pasting an API token. */
export function LoginPage({ onLogin }: { onLogin: (info: SessionInfo) => void }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  // Shown once the server says this member has two-factor on: the authenticator's code, or a recovery code.
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const emailField = useRef<HTMLInputElement>(null);

  const run = async (event: FormEvent, login: () => Promise<SessionInfo>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await login());
    } catch (failure) {
      session.clear();
      if (failure instanceof ApiError && failure.code === 'two_factor_required') {
        setNeedsCode(true);
        setError(null);
        return;
      }
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Log in">
      {mode === 'password' ? (
        <form onSubmit={(e) => void run(e, async () => {
            const second = code.trim().replace(/\s/g, '');
            const factor: Record<string, string> = !needsCode || second === '' ? {} : /^\d{6}$/.test(second) ? { code: second } : { recoveryCode: second };
            await openSession('/api/v1/auth/login', { email: email.trim(), password, ...factor });
            const info = await loadSession();
            if (!info) throw new Error('Logged in, but the server does not know this session: are cookies blocked for this site?');
            return info;
          })} className="card stack">
          <label htmlFor="login-email">Email</label>
          <input id="login-email" ref={emailField} name="email" type="email" autoComplete="username" autoFocus required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          {needsCode && (
            <>
              <label htmlFor="login-code">Code from your authenticator app</label>
              <input id="login-code" name="code" inputMode="numeric" autoComplete="one-time-code" autoFocus required value={code} onChange={(e) => setCode(e.target.value)} aria-describedby="login-code-hint" />
              <p className="hint" id="login-code-hint">Two-factor authentication is on for this account. Lost your device? Type one of your recovery codes instead.</p>
            </>
          )}
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy || email.trim() === '' || password === '' || (needsCode && code.trim() === '')}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
          {notice && <p className="hint" role="status">{notice}</p>}
          <p className="hint">
            No account yet? The first start of Sluice printed a one-time <strong>setup link</strong> for the owner; other members get an invitation link from an
            admin.
          </p>
          <button
            type="button"
            className="link-button"
            disabled={busy}
            aria-describedby="forgot-hint"
            onClick={() => {
              setError(null);
              if (email.trim() === '' || !emailField.current?.checkValidity()) {
                setNotice('Type the email address of your account above, then choose "Forgot your password?" again: the reset link goes to that address.');
                emailField.current?.focus();
                return;
              }
              api<{ message: string }>('POST', '/api/v1/auth/forgot-password', { email: email.trim() }).then((answer) => setNotice(answer.message), setError);
            }}
          >
            Forgot your password? Email me a reset link
          </button>
          <span className="sr-only" id="forgot-hint">
            Sends a reset link to the email address typed above.
          </span>
          <button type="button" className="link-button" onClick={() => { setError(null); setMode('token'); }}>
            Log in with an API token instead
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) =>
            void run(e, async () => {
              session.clear();
              session.set(token.trim());
              // A wrong token answers 401 here, shown under the field.
              return api<SessionInfo>('GET', '/api/v1/auth/session');
            })
          }
          className="card stack"
         
        >
          <label htmlFor="token">API token</label>
          <input id="token" name="token" type="password" autoComplete="off" autoFocus required value={token} onChange={(e) => setToken(e.target.value)} placeholder="sl_…" />
          <p className="hint">
            The owner token printed when Sluice first started (or the value of <code>SLUICE_ADMIN_TOKEN</code>). It is kept in this tab only.
          </p>
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
            {busy ? 'Checking…' : 'Log in'}
          </button>
          <button type="button" className="link-button" onClick={() => { setError(null); setMode('password'); }}>
            Log in with email and password instead
          </button>
        </form>
      )}
    </AuthFrame>
  );
}
