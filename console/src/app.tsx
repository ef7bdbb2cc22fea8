import { useCallback, useEffect, useRef, useState } from 'react';
import { loadSession, logout, onUnauthorized, type SessionInfo } from './api';
import { ErrorBox } from './components/error-box';
import { Link } from './components/link';
import { AccountPage, ChangePasswordForm, PolicyBanner } from './pages/account';
import { AuditLogPage } from './pages/audit-log';
import { ConsentSettingsPage } from './pages/consent-settings';
import { DestinationDetailPage } from './pages/destination-detail';
import { DestinationsPage, NewDestinationPage } from './pages/destinations';
import { EventsPage } from './pages/events';
import { LivePage } from './pages/live';
import { AuthFrame, LoginPage } from './pages/login';
import { MembersPage } from './pages/members';
import { AcceptInvitePage, ResetPasswordPage, SetupPage } from './pages/one-time-link-pages';
import { OverviewPage } from './pages/overview';
import { PoliciesPage } from './pages/policies';
import { PrivacyRequestsPage } from './pages/privacy-requests';
import { ProfilesPage } from './pages/profiles';
import { ReportsPage } from './pages/reports';
import { SourceDetailPage } from './pages/source-detail';
import { SourcesPage } from './pages/sources';
import { TokensPage } from './pages/tokens';
import { NotAllowed } from './components/can';
import { PermissionsProvider, type Permission } from './permissions';
import { match, navigate, useLocation } from './router';

interface NavItem {
  to: string;
  label: string;
  active: (p: string) => boolean;
  /** The permission the page's own list needs: the item is shown only to roles that have it. */
  permission: Permission;
}
const prefix = (to: string) => (p: string) => p === to || p.startsWith(`${to}/`);
const NAV: { group: string; items: NavItem[] }[] = [
  {
    group: 'Data',
    items: [
      { to: '/', label: 'Overview', active: (p) => p === '/', permission: 'events:read' },
      { to: '/sources', label: 'Sources', active: prefix('/sources'), permission: 'sources:read' },
      { to: '/destinations', label: 'Destinations', active: prefix('/destinations'), permission: 'destinations:read' },
      { to: '/live', label: 'Live events', active: prefix('/live'), permission: 'events:read' },
      { to: '/events', label: 'Events', active: prefix('/events'), permission: 'events:read' },
      { to: '/profiles', label: 'Profiles', active: prefix('/profiles'), permission: 'profiles:read' },
    ],
  },
  {
    group: 'Privacy',
    items: [
      { to: '/privacy-requests', label: 'Privacy requests', active: prefix('/privacy-requests'), permission: 'privacy:read' },
      { to: '/consent', label: 'Consent', active: prefix('/consent'), permission: 'privacy:read' },
      { to: '/reports', label: 'Reports', active: prefix('/reports'), permission: 'privacy:read' },
      { to: '/policy', label: 'Privacy policy', active: prefix('/policy'), permission: 'account:self' },
    ],
  },
  {
    group: 'Workspace',
    items: [
      { to: '/members', label: 'Members', active: prefix('/members'), permission: 'members:read' },
      { to: '/tokens', label: 'API tokens', active: prefix('/tokens'), permission: 'tokens:read' },
      { to: '/audit-log', label: 'Audit log', active: prefix('/audit-log'), permission: 'audit:read' },
    ],
  },
];
const ALL_NAV = NAV.flatMap((g) => g.items);

function Page({ pathname, search, info, refresh }: { pathname: string; search: string; info: SessionInfo; refresh: () => void }) {
  let params: Record<string, string> | null;
  if (pathname === '/') return <OverviewPage />;
  if (pathname === '/sources') return <SourcesPage />;
  if ((params = match('/sources/:id', pathname))) return <SourceDetailPage id={params.id!} />;
  if (pathname === '/destinations') return <DestinationsPage />;
  if (pathname === '/destinations/new') return <NewDestinationPage type={new URLSearchParams(search).get('type') ?? undefined} />;
  if ((params = match('/destinations/:id', pathname))) return <DestinationDetailPage id={params.id!} />;
  if (pathname === '/live') return <LivePage sourceId={undefined} />;
  if ((params = match('/live/:id', pathname))) return <LivePage sourceId={params.id!} />;
  if (pathname === '/events') return <EventsPage search={search} />;
  if (pathname === '/profiles') return <ProfilesPage identifier={undefined} />;
  if ((params = match('/profiles/:identifier', pathname))) return <ProfilesPage identifier={params.identifier!} />;
  if (pathname === '/privacy-requests') return <PrivacyRequestsPage />;
  if (pathname === '/consent') return <ConsentSettingsPage />;
  if (pathname === '/reports') return <ReportsPage />;
  if (pathname === '/policy') return <PoliciesPage />;
  if (pathname === '/members') return <MembersPage />;
  if (pathname === '/tokens') return <TokensPage />;
  if (pathname === '/audit-log') return <AuditLogPage />;
  if (pathname === '/account') return <AccountPage info={info} onChanged={refresh} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

/** Pages opened from one-time links; they work whether or not someone is logged in in this browser. */
const LINK_PAGES: Record<string, typeof SetupPage> = { '/setup': SetupPage, '/invite': AcceptInvitePage, '/reset-password': ResetPasswordPage };

/** The console shell: login gate, navigation, and the page for the current path. */
export function App() {
  const location = useLocation();
  const [pathname = '/', search = ''] = location.split('?');
  const [auth, setAuth] = useState<SessionInfo | 'checking' | 'out'>('checking');
  const [bootError, setBootError] = useState<unknown>(null);

  const refresh = useCallback(() => {
    loadSession().then(
      (info) => {
        setBootError(null);
        setAuth(info ?? 'out');
      },
      (error: unknown) => {
        setBootError(error);
        setAuth('out');
      },
    );
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(() => onUnauthorized(() => setAuth('out')), []);
  useEffect(() => {
    const title = ALL_NAV.find((n) => n.active(pathname))?.label;
    document.title = title ? `${title} · Sluice` : 'Sluice';
  }, [pathname]);
  // On narrow screens the navigation is folded away; it opens with the Menu button and closes on navigating.
  const [navOpen, setNavOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setNavOpen(false), [pathname]);

  const LinkPage = LINK_PAGES[pathname];
  if (LinkPage) {
    return (
      <LinkPage
        onDone={() => {
          navigate('/', { replace: true });
          refresh();
        }}
      />
    );
  }
  if (auth === 'checking') {
    return (
      <AuthFrame title="Loading…">
        <p className="muted" role="status">
          Checking your session…
        </p>
      </AuthFrame>
    );
  }
  if (auth === 'out') {
    return (
      <>
        <ErrorBox error={bootError} />
        <LoginPage onLogin={setAuth} />
      </>
    );
  }
  const info = auth;
  const who = info.member ? info.member.name : 'API token';
  const doLogout = () => {
    void logout().then(() => {
      setAuth('out');
      navigate('/');
    });
  };
  const can = (permission: Permission) => info.permissions.includes(permission);
  const nav = NAV.map((group) => ({ ...group, items: group.items.filter((item) => can(item.permission)) })).filter((group) => group.items.length > 0);
  // A page the role may not open (typed or bookmarked: the navigation does not list it) says why, instead of its lists failing with 403.
  const closed = ALL_NAV.find((item) => item.active(pathname) && !can(item.permission));
  return (
    <PermissionsProvider value={{ role: info.role, permissions: info.permissions }}>
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
          <span className="who">
            <Link to="/account" aria-current={pathname === '/account' ? 'page' : undefined}>
              {who}
            </Link>{' '}
            <span className="badge">{info.role}</span>
          </span>
          <button type="button" className="logout" onClick={doLogout}>
            Log out
          </button>
          {/* Narrow screens only (styles.css): the navigation folds away behind this button. */}
          <button type="button" className="menu-button" ref={menuButton} aria-expanded={navOpen} aria-controls="main-nav" onClick={() => setNavOpen((open) => !open)}>
            Menu
          </button>
        </header>
        <div className="body">
          <nav
            id="main-nav"
            aria-label="Main"
            className={navOpen ? 'sidebar open' : 'sidebar'}
            onClick={(event) => {
              // A link chosen from the open menu: fold it away and go on in the page (its link disappears).
              if (navOpen && event.target instanceof Element && event.target.closest('a')) {
                setNavOpen(false);
                document.getElementById('main')?.focus();
              }
            }}
            onKeyDown={(event) => {
              if (event.key === 'Escape' && navOpen) {
                setNavOpen(false);
                menuButton.current?.focus();
              }
            }}
          >
            {nav.map((group) => (
              <div key={group.group}>
                <h2 className="nav-group">{group.group}</h2>
                <ul>
                  {group.items.map((item) => (
                    <li key={item.to}>
                      <Link to={item.to} aria-current={item.active(pathname) ? 'page' : undefined}>
                        {item.label}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </nav>
          <main id="main" tabIndex={-1}>
            {info.pendingPolicy && <PolicyBanner policy={info.pendingPolicy} onAccepted={refresh} />}
            {info.member?.mustResetPassword ? (
              <ChangePasswordForm forced onChanged={refresh} />
            ) : closed ? (
              <section aria-labelledby="closed-title">
                <h1 id="closed-title">{closed.label}</h1>
                <NotAllowed permission={closed.permission} />
              </section>
            ) : (
              <Page pathname={pathname} search={search} info={info} refresh={refresh} />
            )}
          </main>
        </div>
      </div>
    </PermissionsProvider>
  );
}
