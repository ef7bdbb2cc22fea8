import { WakeableLoop } from '../runtime/wakeable-loop.js';
import { AlertHistoryPruner } from './alert-history.js';
import { AlertMessenger, type AlertMessengerOptions } from './alert-messenger.js';

/**
 * The base of the alert checkers (destinations, processing, roles): a loop that runs one `check` every `intervalMs`
 * (the first at once), tells people through one {@link AlertMessenger}, and prunes its resolved episodes through one
 * {@link AlertHistoryPruner}. A failed check is logged (`what` says what could not be checked) and tried again at the
 * next interval.
 */
export abstract class AlertLoop extends WakeableLoop {
  protected readonly messenger: AlertMessenger;
  protected readonly history: AlertHistoryPruner;

  constructor(options: AlertMessengerOptions & { readonly intervalMs: number }, what: string, prune: (before: number) => Promise<number>) {
    super({ pollMs: options.intervalMs, onError: (error) => options.logger.warn({ err: error }, `could not check ${what}; checking again at the next interval`) });
    this.messenger = new AlertMessenger(options);
    this.history = new AlertHistoryPruner(prune);
  }

  /** One check (tests call it with a moved clock). */
  abstract check(now?: number): Promise<unknown>;

  protected async step(): Promise<boolean> {
    await this.check();
    return false;
  }
}
