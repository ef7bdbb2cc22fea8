import { api } from '../api';
import { useInterval } from '../components/counters-over-time';
import { useAsync, type AsyncState } from '../components/use-async';

/** A running Sluice process (`GET /api/v1/processes`). */
export interface SluiceProcess {
  id: string;
  roles: string[];
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  seenAt: string;
}

/** The installation's processes and the roles none of them runs, each with what stops without it. */
export interface ProcessesAnswer {
  processes: SluiceProcess[];
  missingRoles: { role: string; stopped: string }[];
}

/** Processes note themselves every 30 s: asking more often shows nothing new. */
const POLL_MS = 30_000;

/** `GET /api/v1/processes`, asked again every 30 s: one answer for the overview's banner and its Processes card. */
export function useProcesses(): AsyncState<ProcessesAnswer> {
  const state = useAsync(() => api<ProcessesAnswer>('GET', '/api/v1/processes'), []);
  useInterval(() => state.reload(), POLL_MS);
  return state;
}
