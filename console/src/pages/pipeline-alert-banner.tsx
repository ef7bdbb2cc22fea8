import type { PipelineAlert } from '../api';

const time = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A banner while processing is behind: events accepted long ago still wait in the inbox, so nothing new reaches the
 * store, profiles or destinations. `open` is the open episode of the overview's poll (`usePipelineAlerts`); nothing
 * is shown without one.
 */
export function PipelineAlertBanner({ open }: { open: PipelineAlert | undefined }) {
  if (!open) return null;
  return (
    <div className="error" role="alert" aria-label="Processing is behind">
      <span>
        <strong>Sluice is not keeping up with incoming events.</strong> Events accepted before {time(open.waitingSince)} were still not processed at{' '}
        {time(open.openedAt)} ({open.backlog.toLocaleString()} waiting then). Nothing accepted is lost: they wait in the inbox and are processed in order
        once processing resumes; until then they are not stored, not in profiles and not delivered. Check that a process runs the processor role
        (SLUICE_ROLES), and its log. Workspaces with delivery alerts on were told by email and on their alert webhook.
      </span>
    </div>
  );
}
