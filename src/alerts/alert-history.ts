/** Resolved alert episodes (of destinations and of the pipeline alike) are kept this long, the console's history. */
export const KEEP_RESOLVED_MS = 90 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Deletes resolved episodes older than {@link KEEP_RESOLVED_MS}, at most once an hour however often the checks run
 * (`prune` is the repository's: `destinationAlerts.prune`, `pipelineAlerts.prune`).
 */
export class AlertHistoryPruner {
  private last = 0;

  constructor(private readonly prune: (before: number) => Promise<number>) {}

  async pruneIfDue(now: number): Promise<void> {
    if (now - this.last < PRUNE_EVERY_MS) return;
    this.last = now;
    await this.prune(now - KEEP_RESOLVED_MS);
  }
}
