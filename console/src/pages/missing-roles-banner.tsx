import type { ProcessesAnswer } from '../api';

/**
 * A banner on the overview while a role runs in no process of the installation (a split deployment missing one, or a
 * process that died): each role with what stops without it. Processes note themselves every 30 s, so it shows within
 * about a minute and a half of the last one going, and goes once one runs again. Given nothing (no answer, or a failed
 * one: the page's own error box says so), it shows nothing.
 */
export function MissingRolesBanner({ missing }: { missing: ProcessesAnswer['missingRoles'] | undefined }) {
  if (!missing || missing.length === 0) return null;
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
