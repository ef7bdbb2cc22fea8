/**
 * When a retrying delivery is tried next: its time, or, with none (it waits behind an earlier retrying event of the same
 * user, per-user order), that it goes once that one is done. Nothing for the other states.
 */
export function NextTry({ status, nextAttemptAt }: { status: string | undefined; nextAttemptAt: string | undefined }) {
  if (nextAttemptAt) return <span className="muted"> (next try {new Date(nextAttemptAt).toLocaleTimeString()})</span>;
  if (status === 'retrying') return <span className="muted"> (waits for an earlier event of the same user to be delivered first)</span>;
  return null;
}
