import { useState, type FormEvent } from 'react';
import { api, type EventView } from '../api';
import { NotAllowed } from '../components/can';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useCan } from '../permissions';
import { navigate } from '../router';
import { eventTitle } from './live';
import { TableHead } from '../components/table-head';
import { Link } from '../components/link';
import { BannerWordingDetails, type BannerWording } from '../components/banner-wording';

interface ProfileConsent {
  model: string;
  gpc: { recorded: boolean; at: string | null };
  categories: { id: string; name: string; granted: boolean; rule: string; decidedAt: string | null }[];
  history: { at: string; categories: Record<string, boolean>; source: string; gpc: boolean; policyVersion: string | null; bannerVersion: string | null }[];
  banners: BannerWording[];
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
  groups: { groupId: string; traits: Record<string, unknown>; joinedAt: string; updatedAt?: string }[];
  mergeRefusals: MergeRefusal[];
  events: EventView[];
  nextCursor?: string;
}

/** A link merge protection refused (GET /api/v1/profiles/:identifier `mergeRefusals`). */
interface MergeRefusal {
  reason: 'user_id_conflict' | 'anonymous_id_limit';
  kind: 'user_id' | 'anonymous_id' | 'email';
  otherProfileId?: string;
  count: number;
  firstAt: string;
  lastAt: string;
  lastMessageId: string;
}

const KIND_WORDS: Record<MergeRefusal['kind'], string> = { user_id: 'a userId', anonymous_id: 'an anonymousId', email: 'an email' };

/** Why a link was refused, in words. */
function refusalWords(r: MergeRefusal): string {
  if (r.reason === 'anonymous_id_limit') {
    return r.otherProfileId ? 'Not merged with another profile: together they would hold more than 100 anonymousIds.' : 'A new anonymousId was not linked: this profile holds the most allowed (100).';
  }
  return r.otherProfileId
    ? `Shares ${KIND_WORDS[r.kind]} with another profile that has a different userId: kept apart (one userId per profile).`
    : `${KIND_WORDS[r.kind]} was not linked: it would have been a second userId.`;
}

/** A page of a profile's events (older ones after `cursor`). */
const profileUrl = (identifier: string, cursor?: string) => `/api/v1/profiles/${encodeURIComponent(identifier)}?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** Look up a person by userId, anonymousId or email: traits, identities and recent events. */
export function ProfilesPage({ identifier }: { identifier: string | undefined }) {
  const [draft, setDraft] = useState(identifier ?? '');
  // Older events loaded with "Load older events", after the first page.
  const [older, setOlder] = useState<{ events: EventView[]; cursor: string | undefined } | undefined>(undefined);
  const [moreError, setMoreError] = useState<unknown>(null);
  const loaded = useAsync(() => {
    setOlder(undefined);
    return identifier === undefined ? Promise.resolve(undefined) : api<Profile>('GET', profileUrl(identifier));
  }, [identifier]);
  const profile = loaded.loading || loaded.error ? undefined : loaded.data;
  const events = profile ? [...profile.events, ...(older?.events ?? [])] : [];
  const nextCursor = older ? older.cursor : profile?.nextCursor;
  const more = async () => {
    if (identifier === undefined || nextCursor === undefined) return;
    try {
      const page = await api<Profile>('GET', profileUrl(identifier, nextCursor));
      setOlder((o) => ({ events: [...(o?.events ?? []), ...page.events], cursor: page.nextCursor }));
    } catch (failure) {
      setMoreError(failure);
    }
  };
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
                        {h.bannerVersion ? <BannerWordingDetails version={h.bannerVersion} banner={consent.data?.banners.find((b) => b.version === h.bannerVersion)} /> : null}
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
                {events.map((e) => (
                  <tr key={`${String(e.sourceId)}:${String(e.messageId)}`}>
                    <td>
                      <Link to={`/events?${new URLSearchParams({ messageId: String(e.messageId), sourceId: String(e.sourceId) }).toString()}`}>
                        <span className={`type type-${String(e.type)}`}>{String(e.type)}</span> {eventTitle(e)}
                      </Link>
                    </td>
                    <td>{e.receivedAt ? new Date(e.receivedAt).toLocaleString() : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {events.length === 0 && <p className="muted">No stored events (retention may have removed them).</p>}
            <ErrorBox error={moreError} onDismiss={() => setMoreError(null)} />
            {nextCursor !== undefined && (
              <button type="button" onClick={() => void more()}>
                Load older events
              </button>
            )}
          </div>
          {profile.mergeRefusals.length > 0 && (
            <div className="card">
              <h2>Not merged</h2>
              <p className="muted">Links merge protection refused for this person, most recent first (their events still flowed).</p>
              <table className="table compact">
                <TableHead columns={['Why', 'Other profile', 'Events', 'Latest']} />
                <tbody>
                  {profile.mergeRefusals.map((r) => (
                    <tr key={`${r.reason}:${r.kind}:${r.otherProfileId ?? ''}`}>
                      <td>{refusalWords(r)}</td>
                      <td>{r.otherProfileId ? <Link to={`/profiles/${encodeURIComponent(r.otherProfileId)}`}>{r.otherProfileId}</Link> : '—'}</td>
                      <td>{r.count.toLocaleString()}</td>
                      <td>
                        <Link to={`/events?${new URLSearchParams({ messageId: r.lastMessageId }).toString()}`}>{new Date(r.lastAt).toLocaleString()}</Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="card">
            <h2>Groups</h2>
            {profile.groups.length === 0 ? (
              <p className="muted">No group call of this person (any of their identifiers) is stored.</p>
            ) : (
              <table className="table compact">
                <TableHead columns={['groupId', 'Traits', 'Joined']} />
                <tbody>
                  {profile.groups.map((g) => (
                    <tr key={g.groupId}>
                      <td>
                        <code>{g.groupId}</code>
                      </td>
                      <td>
                        <pre className="json small" tabIndex={0} aria-label={`Traits of ${g.groupId}`}>
                          {JSON.stringify(g.traits, null, 2)}
                        </pre>
                      </td>
                      <td>{new Date(g.joinedAt).toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
