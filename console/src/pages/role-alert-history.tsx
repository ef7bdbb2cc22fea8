import { KEEP_RESOLVED_MS } from '../../../src/alerts/alert-history.js';
import type { RoleAlertEpisode, RoleAlertResolution } from '../api';
import { EndedCells, EpisodesCard } from '../components/episodes-card';
import { ROLE_ALERTS_LISTED } from './processes';
import { AlertWebhookPosts } from './alert-webhook-posts';

/** Ended episodes are kept this many days (the checking processes prune older ones). */
const KEPT_DAYS = Math.round(KEEP_RESOLVED_MS / 86_400_000);

/** How an episode ended, in plain words. */
const RESOLUTION_WORDS: Record<RoleAlertResolution, string> = {
  running: 'A process runs it again',
  alerts_off: 'Closed: no workspace had alerts on any more (nobody was told)',
};

/** Open ("missing"), ended by a process running the role ("resolved", green), or closed otherwise (grey). */
function EpisodeStatus({ alert }: { alert: RoleAlertEpisode }) {
  if (alert.status === 'open') return <span className="badge off">missing</span>;
  return <span className={`badge ${alert.resolution === 'alerts_off' ? 'muted-badge' : 'ok'}`}>resolved</span>;
}

/**
 * The overview's "Role alerts" card: recent episodes of a role (ingest, processor, router, jobs, api) running in no
 * process for 5 minutes or more, newest first (`alerts`, from the overview's processes poll): since when it was
 * missing, when the alert opened, whether it is still open or when and how it ended, and how long it was missing.
 */
export function RoleAlertHistory({ alerts, error }: { alerts: readonly RoleAlertEpisode[] | undefined; error: unknown }) {
  return (
    <EpisodesCard
      id="role-alerts-title"
      title="Role alerts"
      hint={
        <>
          An episode opens when no process has run a role for 5 minutes, while at least one workspace has alerts on (those workspaces are told when it
          opens and when it ends). The api and the jobs processes watch the roles; the api role is watched once it has run. Ended episodes are kept{' '}
          {KEPT_DAYS} days; the latest {ROLE_ALERTS_LISTED} are listed.
        </>
      }
      episodes={alerts}
      error={error}
      empty={`No role has been missing in the last ${KEPT_DAYS} days.`}
      label="Role alert episodes"
      columns={['Status', 'Role', 'Missing since', 'Opened', 'Ended', 'Lasted']}
      row={(a) => (
        <>
          <td>
            <EpisodeStatus alert={a} />
          </td>
          <td>{a.role}</td>
          <td>{new Date(a.missingSince).toLocaleString()}</td>
          <td>
            {new Date(a.openedAt).toLocaleString()}
            <AlertWebhookPosts posts={a.webhookPosts} />
          </td>
          <EndedCells since={a.missingSince} resolvedAt={a.resolvedAt} stillOpen="Still missing" how={a.resolution ? RESOLUTION_WORDS[a.resolution] : undefined} />
        </>
      )}
    />
  );
}
