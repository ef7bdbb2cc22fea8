/**
 * A background loop that works while there is work, then waits `pollMs` or until woken: the base of the
 * privacy request executor and the replay runner (each claims leased work from the store, so several processes
 * may run one). `step` returns whether it did something (then it runs again at once); an error it throws is
 * reported and the loop waits before the next step. A wake-up while a step runs is not remembered: the step's
 * next claim finds the work anyway.
 */
export abstract class WakeableLoop {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly loopOptions: { readonly pollMs: number; readonly onError: (error: unknown) => void }) {}

  /** One unit of work; false when there was none (the loop then waits). */
  protected abstract step(): Promise<boolean>;

  /** Aborted by `stop()`: long steps check it to give their work back. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Runs the next step now if the loop is waiting. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.wakeUp?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        if (await this.step()) continue;
      } catch (error) {
        if (this.signal.aborted) break;
        this.loopOptions.onError(error);
      }
      // Stopped while the step ran: no wait (stop() woke nobody then).
      if (this.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.loopOptions.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }
}
