import { sleep } from '../../core/sleep.js';

/** How long a write waits for another connection's write lock on the embedded files before it fails (SQLITE_BUSY). */
export const LOCK_WAIT_MS = 10_000;

/** Pauses between attempts: short first (most transactions end within milliseconds), then every 20 ms. */
const BACKOFF_MS = [1, 2, 4, 8, 16];
const STEADY_MS = 20;

/** SQLITE_BUSY or one of its extended codes (SQLITE_BUSY_RECOVERY, ...): another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, pausing between attempts with a timer, for at most
 * `waitMs`; then the last SQLITE_BUSY is thrown, as SQLite's own busy timeout would have. For connections of the
 * thread that answers HTTP, which run with a busy timeout of 0 (openSqliteStore's `yieldForLocks`): SQLite's busy
 * wait sleeps in the calling thread, and while the processor's transaction held the store file (up to a second under
 * load) the Tracking API answered nothing. Here the thread keeps serving meanwhile. `attempt` must have done nothing
 * when it fails with SQLITE_BUSY: a single statement, or a transaction refused at its `BEGIN IMMEDIATE`.
 */
export async function retryWhileBusy<T>(attempt: () => T | Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await sleep(BACKOFF_MS[tries] ?? STEADY_MS);
  }
}
