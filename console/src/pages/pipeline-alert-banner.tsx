import { useEffect, useState } from 'react';
import { api } from '../api';

const POLL_MS = 15_000;

/** An open episode of the installation's processing falling behind (`GET /api/v1/pipeline-alerts?status=open`). */
interface PipelineAlert {
  id: string;
  kind: 'processing_behind';
  openedAt: string;
  waitingSince: string;
  backlog: number;
}

const time = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A banner while processing is behind: events accepted long ago still wait in the inbox, so nothing new reaches the
 * store, profiles or destinations. Polls on its own; shows nothing when none is open, or when the role may not read
 * destinations (the answer is then 403: that is not this banner's business).
 */
export function PipelineAlertBanner() {
  const [open, setOpen] = useState<PipelineAlert | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const { alerts } = await api<{ alerts: PipelineAlert[] }>('GET', '/api/v1/pipeline-alerts?status=open');
        if (!stopped) setOpen(alerts[0]);
      } catch {
        // Not allowed, or Sluice unreachable (the page's own error box says so): no banner.
        if (!stopped) setOpen(undefined);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
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
