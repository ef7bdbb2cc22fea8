/**
 * Whether this process reaches its store, for `/health` of the processes that cannot work without it (scale-mode
 * processors, routers, jobs and api processes: an outage of PostgreSQL stops their work while their NATS connection
 * stays up). Cheap per probe: the store is asked at most once per `maxAgeMs`, however often the load balancer or
 * orchestrator probes; a probe meanwhile gets the last answer. A check that hangs counts as down after `timeoutMs`.
 */
export class StoreProbe {
  private checked: { at: number; down: string | undefined; since?: number } | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    /** One cheap round trip to the store (`SELECT 1`); throws when it cannot be reached. */
    private readonly ping: () => Promise<void>,
    private readonly options: { maxAgeMs: number; timeoutMs: number; now?: () => number },
  ) {}

  /** Why the store cannot be reached now (a sentence for `/health`), or undefined when it answered. */
  async unavailable(): Promise<string | undefined> {
    const now = this.now();
    if (!this.checked || now - this.checked.at >= this.options.maxAgeMs) {
      this.inFlight ??= this.check().finally(() => (this.inFlight = undefined));
      await this.inFlight;
    }
    const checked = this.checked;
    if (checked?.down === undefined) return undefined;
    const seconds = Math.round((this.now() - (checked.since ?? checked.at)) / 1000);
    return `PostgreSQL (SLUICE_DATABASE_URL) cannot be reached (for ${seconds} s: ${checked.down}); this process's work waits until it answers again`;
  }

  private async check(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
      timer.unref();
    });
    const answer = this.ping().then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)) || 'the connection failed',
    );
    const down = await Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
    const at = this.now();
    const since = down === undefined ? undefined : this.checked?.down !== undefined ? (this.checked.since ?? this.checked.at) : at;
    this.checked = { at, down, ...(since !== undefined && { since }) };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
