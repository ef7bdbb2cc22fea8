import { api, type PipelineAlert } from '../api';
import { useInterval } from '../components/counters-over-time';
import { useAsync, type AsyncState } from '../components/use-async';

/** How often the overview asks again: the banner and the history card read the same answer. */
export const PIPELINE_ALERTS_POLL_MS = 15_000;
/** Episodes the history card lists, newest first. */
export const PIPELINE_ALERTS_LISTED = 20;

/**
 * The installation's recent episodes of processing falling behind (`GET /api/v1/pipeline-alerts?status=all`), newest
 * first, read again every 15 s: one poll for the overview's banner (the open one) and its history card, so the card
 * shows an episode ended as soon as the banner goes. With `enabled` false (a role that may not read destinations) it
 * asks nothing and answers no data.
 */
export function usePipelineAlerts(enabled: boolean): AsyncState<PipelineAlert[] | undefined> {
  const state = useAsync(
    async () => (enabled ? (await api<{ alerts: PipelineAlert[] }>('GET', `/api/v1/pipeline-alerts?status=all&limit=${PIPELINE_ALERTS_LISTED}`)).alerts : undefined),
    [enabled],
  );
  useInterval(() => enabled && state.reload(), PIPELINE_ALERTS_POLL_MS);
  return state;
}

/** The open episode, if the latest answer has one (at most one is open; it is the newest). */
export function openPipelineAlert(alerts: readonly PipelineAlert[] | undefined): PipelineAlert | undefined {
  return alerts?.find((a) => a.status === 'open');
}
