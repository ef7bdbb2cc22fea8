/**
 * What the benchmarks' local sinks received: each event once (deliveries are at least once), counted per phase.
 *
 * The sink stands for a destination on another machine but shares the process (and the 2 cores) with Sluice, so it
 * must cost little. Until session 38 a Set (bench/pipeline-cpu) or a Map (bench/pipeline, every messageId of the
 * run: 1.2 million strings by its last round) remembered what had arrived; perf put 12 % of the request thread's
 * samples in the Set's hash lookups during pipeline-cpu's end-to-end runs, a cost ingest alone never pays. The benchmarks' messageIds
 * are `<phase>-<n>`: an arrival is a slot of a typed array by `n`, no hashing and no garbage. Any other messageId
 * (random UUIDs, bench/pipeline-cpu --uuids) is remembered in a Set of its own, as before.
 */
export class SinkArrivals {
  private readonly phases = new Map<string, { count: number; lastAt: number; at: Float64Array }>();
  private readonly others = new Set<string>();

  /** `expected`: how many events a phase usually numbers (its array starts that large and grows past it). */
  constructor(private readonly expected: number) {}

  /** Records an arrival at `now` (performance.now(), past 0); false when this messageId had arrived already. */
  record(messageId: string, now: number): boolean {
    const dash = messageId.indexOf('-');
    const n = dash > 0 ? Number(messageId.slice(dash + 1)) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      if (this.others.has(messageId)) return false;
      this.others.add(messageId);
      return true;
    }
    const name = messageId.slice(0, dash);
    let phase = this.phases.get(name);
    if (!phase) this.phases.set(name, (phase = { count: 0, lastAt: 0, at: new Float64Array(this.expected) }));
    if (n >= phase.at.length) {
      const larger = new Float64Array(Math.max(n + 1, phase.at.length * 2));
      larger.set(phase.at);
      phase.at = larger;
    }
    if (phase.at[n] !== 0) return false; // 0: not arrived yet
    phase.at[n] = now;
    phase.count++;
    phase.lastAt = now;
    return true;
  }

  /** How many of a phase's events arrived (`<phase>-<n>` ids). */
  count(phase: string): number {
    return this.phases.get(phase)?.count ?? 0;
  }

  /** When the phase's latest first arrival was. */
  lastAt(phase: string): number {
    return this.phases.get(phase)?.lastAt ?? 0;
  }

  /** When `<phase>-<n>` first arrived (undefined when it has not). */
  at(phase: string, n: number): number | undefined {
    const t = this.phases.get(phase)?.at[n];
    return t === undefined || t === 0 ? undefined : t;
  }

  /** Forgets a measured phase (its array). */
  forget(phase: string): void {
    this.phases.delete(phase);
  }
}
