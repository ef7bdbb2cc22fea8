import { api } from '../api';
import { useInterval } from '../components/counters-over-time';
import { useAsync } from '../components/use-async';

/** `GET /api/v1/processes`: the roles no running process has, with what stops without them. */
interface MissingRoles {
  missingRoles: { role: string; stopped: string }[];
}

const POLL_MS = 30_000;

/**
 * A banner on the overview while a role runs in no process of the installation (a split deployment missing one, or a
 * process that died): each role with what stops without it. Processes note themselves every 30 s, so it shows within
 * about a minute and a half of the last one going, and goes once one runs again. Shows nothing when the answer fails
 * (the page's own error box says so).
 */
export function MissingRolesBanner() {
  const answer = useAsync(() => api<MissingRoles>('GET', '/api/v1/processes'), []);
  useInterval(() => answer.reload(), POLL_MS);
  const missing = answer.error === null ? (answer.data?.missingRoles ?? []) : [];
  if (missing.length === 0) return null;
  return (
    <div className="error" role="alert" aria-label="Roles not running">
      <span>
        <strong>No Sluice process runs the {missing.map((m) => m.role).join(', ')} role{missing.length === 1 ? '' : 's'}.</strong> Until one does,
        this stops:
      </span>
      <ul>
        {missing.map((m) => (
          <li key={m.role}>
            <code>{m.role}</code>: {m.stopped}.
          </li>
        ))}
      </ul>
      <span>
        Start a process with that role (<code>SLUICE_ROLES</code>, or <code>sluice start --role</code>), or look at why the one that ran it stopped (its log).
      </span>
    </div>
  );
}
