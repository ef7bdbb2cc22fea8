import { useEffect, useState } from 'react';
import { onUnauthorized, session } from './api';
import { Link } from './components/link';
import { AuditLogPage } from './pages/audit-log';
import { ConsentSettingsPage } from './pages/consent-settings';
import { EventsPage } from './pages/events';
import { LivePage } from './pages/live';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { PrivacyRequestsPage } from './pages/privacy-requests';
import { ProfilesPage } from './pages/profiles';
import { SourceDetailPage } from './pages/source-detail';
import { SourcesPage } from './pages/sources';
import { match, navigate, useLocation } from './router';

const NAV = [
  { to: '/', label: 'Overview', active: (p: string) => p === '/' },
  { to: '/sources', label: 'Sources', active: (p: string) => p.startsWith('/sources') },
  { to: '/live', label: 'Live events', active: (p: string) => p.startsWith('/live') },
  { to: '/events', label: 'Events', active: (p: string) => p.startsWith('/events') },
  { to: '/profiles', label: 'Profiles', active: (p: string) => p.startsWith('/profiles') },
  { to: '/privacy-requests', label: 'Privacy requests', active: (p: string) => p.startsWith('/privacy-requests') },
  { to: '/consent', label: 'Consent', active: (p: string) => p.startsWith('/consent') },
  { to: '/audit-log', label: 'Audit log', active: (p: string) => p.startsWith('/audit-log') },
];

function Page({ pathname }: { pathname: string }) {
  let params: Record<string, string> | null;
  if (pathname === '/') return <OverviewPage />;
  if (pathname === '/sources') return <SourcesPage />;
  if ((params = match('/sources/:id', pathname))) return <SourceDetailPage id={params.id!} />;
  if (pathname === '/live') return <LivePage sourceId={undefined} />;
  if ((params = match('/live/:id', pathname))) return <LivePage sourceId={params.id!} />;
  if (pathname === '/events') return <EventsPage />;
  if (pathname === '/profiles') return <ProfilesPage identifier={undefined} />;
  if ((params = match('/profiles/:identifier', pathname))) return <ProfilesPage identifier={params.identifier!} />;
  if (pathname === '/privacy-requests') return <PrivacyRequestsPage />;
  if (pathname === '/consent') return <ConsentSettingsPage />;
  if (pathname === '/audit-log') return <AuditLogPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

/** The console shell: login gate, navigation, and the page for the current path. */
export function App() {
  const location = useLocation();
  const pathname = location.split('?')[0] ?? '/';
  const [loggedIn, setLoggedIn] = useState(session.token !== null);

  useEffect(
    () =>
      onUnauthorized(() => {
        session.clear();
        setLoggedIn(false);
      }),
    [],
  );
  useEffect(() => {
    const title = NAV.find((n) => n.active(pathname))?.label;
    document.title = title ? `${title} · Sluice` : 'Sluice';
  }, [pathname]);

  if (!loggedIn) return <LoginPage onLogin={() => setLoggedIn(true)} />;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="logo" aria-hidden="true">
            ≋
          </span>{' '}
          Sluice
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={item.active(pathname) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          className="logout"
          onClick={() => {
            session.clear();
            setLoggedIn(false);
            navigate('/');
          }}
        >
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page pathname={pathname} />
      </main>
    </div>
  );
}
