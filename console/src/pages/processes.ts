import { api, type ProcessesAnswer } from '../api';
import { useInterval } from '../components/counters-over-time';
import { useAsync, type AsyncState } from '../components/use-async';

/** Processes note themselves every 30 s: asking more often shows nothing new. */
const POLL_MS = 30_000;

/** `GET /api/v1/processes`, asked again every 30 s: one answer for the overview's banner and its Processes card. */
export function useProcesses(): AsyncState<ProcessesAnswer> {
  const state = useAsync(() => api<ProcessesAnswer>('GET', '/api/v1/processes'), []);
  useInterval(() => state.reload(), POLL_MS);
  return state;
}
