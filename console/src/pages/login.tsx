import { useState, type FormEvent } from 'react';
import { api, session, type Source } from '../api';
import { ErrorBox } from '../components/error-box';

/** Log in by pasting an API token (the one `npm start` printed, or SLUICE_ADMIN_TOKEN). */
export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    session.set(token.trim());
    try {
      await api<{ sources: Source[] }>('GET', '/api/v1/sources');
      onLogin();
    } catch (failure) {
      session.clear();
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>
        <span className="logo" aria-hidden="true">
          ≋
        </span>{' '}
        Sluice
      </h1>
      <form onSubmit={(e) => void submit(e)} className="card">
        <h2>Log in</h2>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="sk_…"
        />
        <p className="hint">
          The owner token printed when Sluice first started (or the value of <code>SLUICE_ADMIN_TOKEN</code>). It is kept in this tab only.
        </p>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
