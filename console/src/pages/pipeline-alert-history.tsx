import { KEEP_RESOLVED_MS } from '../../../src/alerts/alert-history.js';
import type { PipelineAlert, PipelineAlertResolution } from '../api';
import { EndedCells, EpisodesCard } from '../components/episodes-card';
import { PIPELINE_ALERTS_LISTED } from './pipeline-alerts';
import { AlertWebhookPosts } from './alert-webhook-posts';

/** Ended episodes are kept this many days (the jobs role prunes older ones). */
const KEPT_DAYS = Math.round(KEEP_RESOLVED_MS / 86_400_000);

/** How an episode ended, in plain words. */
const RESOLUTION_WORDS: Record<PipelineAlertResolution, string> = {
  caught_up: 'Caught up',
  alerts_off: 'Closed: no workspace had delivery alerts on any more (nobody was told)',
};

/** "12 events": what waited in the inbox when an episode opened. */
function backlogText(backlog: number): string {
  return `${backlog.toLocaleString()} event${backlog === 1 ? '' : 's'}`;
}

/** Open ("behind"), ended by catching up ("resolved", green), or closed because nobody wanted alerts (grey). */
function EpisodeStatus({ alert }: { alert: PipelineAlert }) {
  if (alert.status === 'open') return <span className="badge off">behind</span>;
  return <span className={`badge ${alert.resolution === 'caught_up' ? 'ok' : 'muted-badge'}`}>resolved</span>;
}

/**
 * The overview's "Processing alerts" card: the installation's recent episodes of processing falling behind, newest
 * first (`alerts`, from the overview's one poll, `usePipelineAlerts`): when each opened, since when events waited and
 * how many, and whether it is still open or when and how it ended, and how long it lasted.
 */
export function PipelineAlertHistory({ alerts, error }: { alerts: readonly PipelineAlert[] | undefined; error: unknown }) {
  return (
    <EpisodesCard
      id="processing-alerts-title"
      title="Processing alerts"
      hint={
        <>
          An episode opens when events Sluice accepted <code>SLUICE_PROCESSING_ALERT_MINUTES</code> ago (10 by default) are still not processed, while at
          least one workspace has delivery alerts on (those workspaces are told when it opens and when it ends), and ends once nothing waits half as long.
          It concerns the whole installation. Ended episodes are kept {KEPT_DAYS} days; the latest {PIPELINE_ALERTS_LISTED} are listed.
        </>
      }
      episodes={alerts}
      error={error}
      empty={`No episode of processing falling behind in the last ${KEPT_DAYS} days.`}
      label="Processing alert episodes"
      columns={['Status', 'Opened', 'Events waiting since', 'Waiting when it opened', 'Ended', 'Lasted']}
      row={(a) => (
        <>
          <td>
            <EpisodeStatus alert={a} />
          </td>
          <td>
            {new Date(a.openedAt).toLocaleString()}
            <AlertWebhookPosts posts={a.webhookPosts} />
          </td>
          <td>{new Date(a.waitingSince).toLocaleString()}</td>
          <td>{backlogText(a.backlog)}</td>
          <EndedCells since={a.openedAt} resolvedAt={a.resolvedAt} stillOpen="Still behind" how={a.resolution ? RESOLUTION_WORDS[a.resolution] : undefined} />
        </>
      )}
    />
  );
}
