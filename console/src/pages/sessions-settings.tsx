import { useState } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/error-box';
import { TableHead } from '../components/table-head';
import { useAsync } from '../components/use-async';

/** GET /api/v1/me/sessions: one of your console sessions (never its secret). */
interface SessionRow {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** A browser's User-Agent in a few words ("Firefox on Linux"), the whole string in the title. */
export function browserOf(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : undefined;
  const system = /Windows/.test(userAgent) ? 'Windows' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Android/.test(userAgent) ? 'Android' : /Linux/.test(userAgent) ? 'Linux' : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}

/** Your console sessions (where and when each was opened and last used): end one, or log out all the others. */
export function SessionsSettings() {
  const list = useAsync(() => api<{ sessions: SessionRow[] }>('GET', '/api/v1/me/sessions'), []);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const sessions = list.data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current);
  const act = async (work: () => Promise<string>) => {
    setError(null);
    setNotice('');
    try {
      setNotice(await work());
    } catch (failure) {
      setError(failure);
    }
    list.reload();
  };
  const endOne = (s: SessionRow) =>
    act(async () => {
      await api('DELETE', `/api/v1/me/sessions/${encodeURIComponent(s.id)}`);
      return `Ended the session of ${browserOf(s.userAgent)} opened ${new Date(s.createdAt).toLocaleString()}.`;
    });
  const endOthers = () =>
    act(async () => {
      const { ended } = await api<{ ended: number }>('DELETE', '/api/v1/me/sessions');
      return ended === 1 ? 'Logged out 1 other session.' : `Logged out ${ended} other sessions.`;
    });
  return (
    <section className="card stack" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Where you are logged in to the console. End a session you do not recognise, then change your password.</p>
      <ErrorBox error={list.error ?? error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {sessions.length > 0 && (
        <table className="table" aria-label="Your sessions">
          <TableHead columns={['Browser', 'Address', 'Opened', 'Last used']} actions />
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td title={s.userAgent ?? undefined}>
                  {browserOf(s.userAgent)} {s.current && <span className="badge ok">this session</span>}
                </td>
                <td>{s.ip ?? <span className="muted">unknown</span>}</td>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>{s.lastUsedAt ? new Date(s.lastUsedAt).toLocaleString() : <span className="muted">not since opened</span>}</td>
                <td>
                  {!s.current && (
                    <button type="button" onClick={() => void endOne(s)} aria-label={`End the session of ${browserOf(s.userAgent)} opened ${new Date(s.createdAt).toLocaleString()}`}>
                      End
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => void endOthers()} disabled={others.length === 0}>
        Log out other sessions
      </button>
    </section>
  );
}
