import { api, type ProcessesAnswer, type RoleAlertEpisode } from '../api';
import { useInterval } from '../components/counters-over-time';
import { useAsync, type AsyncState } from '../components/use-async';

/** Processes note themselves every 30 s: asking more often shows nothing new. */
const POLL_MS = 30_000;
/** Role alert episodes the overview lists, newest first. */
export const ROLE_ALERTS_LISTED = 20;

/** What the overview shows of the installation's processes: those running, the roles none runs, and recent role alerts. */
export interface ProcessesView extends ProcessesAnswer {
  roleAlerts: RoleAlertEpisode[];
}

/**
 * `GET /api/v1/processes` and `GET /api/v1/role-alerts`, asked again every 30 s: one answer for the overview's banner,
 * its Processes card and its Role alerts card.
 */
export function useProcesses(): AsyncState<ProcessesView> {
  const state = useAsync(async () => {
    const [answer, roleAlerts] = await Promise.all([
      api<ProcessesAnswer>('GET', '/api/v1/processes'),
      api<{ alerts: RoleAlertEpisode[] }>('GET', `/api/v1/role-alerts?status=all&limit=${ROLE_ALERTS_LISTED}`),
    ]);
    return { ...answer, roleAlerts: roleAlerts.alerts };
  }, []);
  useInterval(() => state.reload(), POLL_MS);
  return state;
}
