import { useState, type FormEvent } from 'react';
import { api, type EventView } from '../api';
import { NotAllowed } from '../components/can';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useCan } from '../permissions';
import { navigate } from '../router';
import { eventTitle } from './live';
import { TableHead } from '../components/table-head';

interface ProfileConsent {
  model: string;
  gpc: { recorded: boolean; at: string | null };
  categories: { id: string; name: string; granted: boolean; rule: string; decidedAt: string | null }[];
  history: { at: string; categories: Record<string, boolean>; source: string; gpc: boolean; policyVersion: string | null }[];
}

interface Profile {
  id: string;
  userId?: string;
  anonymousIds: string[];
  email?: string;
  emails: string[];
  traits: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  events: EventView[];
  nextCursor?: string;
}

/** Look up a person by userId, anonymousId or email: traits, identities and recent events. */
export function ProfilesPage({ identifier }: { identifier: string | undefined }) {
  const [draft, setDraft] = useState(identifier ?? '');
  const loaded = useAsync(
    () => (identifier === undefined ? Promise.resolve(undefined) : api<Profile>('GET', `/api/v1/profiles/${encodeURIComponent(identifier)}?limit=50`)),
    [identifier],
  );
  const profile = loaded.loading || loaded.error ? undefined : loaded.data;
  const consent = useAsync(
    () => (identifier === undefined ? Promise.resolve(undefined) : api<ProfileConsent>('GET', `/api/v1/profiles/${encodeURIComponent(identifier)}/consent`)),
    [identifier],
  );
  const error = loaded.error;
  // Without pii_access the API masks personal data and refuses a lookup by email (finding someone would say they are a customer).
  const personalData = useCan()('pii_access');
  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim() !== '') navigate(`/profiles/${encodeURIComponent(draft.trim())}`);
  };

  return (
    <section aria-labelledby="profiles-title">
      <h1 id="profiles-title">Profiles</h1>
      <form className="card inline-form" onSubmit={lookUp} aria-label="Look up a profile">
        <label htmlFor="identifier">{personalData ? 'userId, anonymousId or email' : 'userId or anonymousId'}</label>
        <input id="identifier" value={draft} onChange={(e) => setDraft(e.target.value)} required />
        <button type="submit" className="primary">
          Look up
        </button>
      </form>
      {!personalData && <NotAllowed permission="pii_access" />}
      <ErrorBox error={error} />
      {profile && (
        <div className="grid-2">
          <div className="card">
            <h2>{profile.userId ?? profile.email ?? profile.anonymousIds[0] ?? profile.id}</h2>
            <dl className="facts">
              <dt>userId</dt>
              <dd>{profile.userId ?? '—'}</dd>
              <dt>Emails</dt>
              <dd>{profile.emails.length > 0 ? profile.emails.join(', ') : '—'}</dd>
              <dt>anonymousIds</dt>
              <dd>{profile.anonymousIds.length > 0 ? profile.anonymousIds.map((a) => <code key={a}>{a} </code>) : '—'}</dd>
              <dt>First seen</dt>
              <dd>{new Date(profile.firstSeen).toLocaleString()}</dd>
              <dt>Last seen</dt>
              <dd>{new Date(profile.lastSeen).toLocaleString()}</dd>
            </dl>
            <h3>Traits</h3>
            <pre className="json" tabIndex={0} aria-label="Traits">
              {JSON.stringify(profile.traits, null, 2)}
            </pre>
          </div>
          <div className="card">
            <h2>Consent</h2>
            <ErrorBox error={consent.error} />
            {consent.data && (
              <>
                <p className="muted">
                  Model {consent.data.model}
                  {consent.data.gpc.recorded ? ` · Global Privacy Control recorded ${new Date(consent.data.gpc.at ?? '').toLocaleString()}` : ''}
                </p>
                <table className="table compact">
                  <TableHead columns={['Category', 'Now', 'Decided by']} />
                  <tbody>
                    {consent.data.categories.map((c) => (
                      <tr key={c.id}>
                        <td>{c.name}</td>
                        <td>{c.granted ? <span className="badge ok">granted</span> : <span className="badge off">denied</span>}</td>
                        <td>
                          <code>{c.rule}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="muted" id="consent-per-event">
                  This is what Sluice has recorded for the person (their choices, GPC, the model). An event that carries the
                  visitor's banner choice (<code>context.consent.categoryPreferences</code>) is judged by that choice, unless a
                  GPC signal or an opt-out or objection filed as a privacy request says otherwise: so an event can reach a
                  destination while a category shows denied here. Each event&apos;s outcome is on the Live events page.
                </p>
                <h3>History</h3>
                {consent.data.history.length === 0 ? (
                  <p className="muted">No recorded choice.</p>
                ) : (
                  <ul className="history">
                    {consent.data.history.map((h, i) => (
                      <li key={i}>
                        {new Date(h.at).toLocaleString()} ({h.source}
                        {h.gpc ? ', GPC' : ''}
                        {h.policyVersion ? `, policy ${h.policyVersion}` : ''}):{' '}
                        {Object.entries(h.categories)
                          .map(([k, v]) => `${k} ${v ? '✓' : '✗'}`)
                          .join(', ')}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}
          </div>
          <div className="card">
            <h2>Recent events</h2>
            <table className="table compact">
              <TableHead columns={['Event', 'Received']} />
              <tbody>
                {profile.events.map((e) => (
                  <tr key={`${String(e.sourceId)}:${String(e.messageId)}`}>
                    <td>
                      <span className={`type type-${String(e.type)}`}>{String(e.type)}</span> {eventTitle(e)}
                    </td>
                    <td>{e.receivedAt ? new Date(e.receivedAt).toLocaleString() : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
