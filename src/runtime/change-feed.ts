import { BroadcastChannel } from 'node:worker_threads';
import type { ConfigVersionRepository } from '../store/store.js';

/** Kinds of configuration change that caches in other stages must hear about at once. */
export type ChangeTopic = 'sources' | 'destinations' | 'workspace' | 'consent' | 'suppressions' | 'replays';

export const CHANGE_TOPICS: readonly ChangeTopic[] = ['sources', 'destinations', 'workspace', 'consent', 'suppressions', 'replays'];

/** What travels on the BroadcastChannel: the topic, and whether it came from another process already. */
interface ChannelMessage {
  topic: ChangeTopic;
  remote: boolean;
}

export interface ChangeFeedOptions {
  /** Separates feeds living in one process (tests that stand for several processes). */
  channel?: string;
  /**
   * The store's change counters: `publish` bumps them before it broadcasts, `catchUp` reads them. Without
   * them the feed is broadcast only (tools that read configuration and change none).
   */
  versions?: ConfigVersionRepository;
}

/**
 * Tells every thread of this process that configuration changed, so "a change made through the API applies
 * to every event accepted after the call returns". Built on BroadcastChannel, which reaches worker threads.
 * In scale mode a relay (`NatsChangeRelay`) carries changes to and from the other processes: it hears every
 * change made in this process (any thread) through `onLocalChange`, and injects other processes' changes
 * with `deliverRemote`.
 *
 * A broadcast arrives when the receiving thread next turns its event loop, and a relayed one later still:
 * a processor busy with one batch can read the next from the inbox before it hears of a change made before
 * those events were accepted. So `publish` first bumps the topic's counter in the store, and the processor
 * calls `catchUp()` after reading each batch: any counter that moved since it last looked is announced to
 * its own listeners (its caches drop what they hold) before the batch's first stage runs.
 */
export class ChangeFeed {
  private readonly channel: BroadcastChannel;
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();
  private relay: ((topic: ChangeTopic) => void) | undefined;
  private readonly versions: ConfigVersionRepository | undefined;
  /** The counters as catchUp last read them (none before its first call). */
  private seen: ReadonlyMap<string, number> | undefined;

  constructor(options: ChangeFeedOptions = {}) {
    this.versions = options.versions;
    this.channel = new BroadcastChannel(options.channel ?? 'sluice-changes');
    this.channel.onmessage = (message) => {
      const data = (message as unknown as { data: ChannelMessage | ChangeTopic }).data;
      const { topic, remote } = typeof data === 'string' ? { topic: data, remote: false } : data;
      this.notify(topic);
      if (!remote) this.relay?.(topic);
    };
    (this.channel as unknown as { unref?: () => void }).unref?.();
  }

  private notify(topic: ChangeTopic): void {
    for (const listener of this.listeners) listener(topic);
  }

  /**
   * Announces a change (already committed) to this thread's listeners, to every other thread, and to other
   * processes; first counts it in the store, so a reader that catches up after this returns sees it.
   */
  async publish(topic: ChangeTopic): Promise<void> {
    await this.versions?.bump(topic);
    this.notify(topic);
    this.channel.postMessage({ topic, remote: false } satisfies ChannelMessage);
    this.relay?.(topic);
  }

  /** A change made by another process: told to this process's threads, never relayed back out. */
  deliverRemote(topic: ChangeTopic): void {
    this.notify(topic);
    this.channel.postMessage({ topic, remote: true } satisfies ChannelMessage);
  }

  /** Registers the one relay of this process (main thread) that forwards local changes to other processes. */
  onLocalChange(relay: ((topic: ChangeTopic) => void) | undefined): void {
    this.relay = relay;
  }

  /**
   * Reads the store's change counters and tells this thread's listeners of every topic whose counter moved
   * since the last call (the first call: every topic). Call it after reading a batch of events and before
   * using any cached configuration on them.
   */
  async catchUp(): Promise<void> {
    if (!this.versions) return;
    const now = await this.versions.all();
    const before = this.seen;
    this.seen = now;
    for (const topic of CHANGE_TOPICS) {
      if (before === undefined || before.get(topic) !== now.get(topic)) this.notify(topic);
    }
  }

  subscribe(listener: (topic: ChangeTopic) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.relay = undefined;
    this.channel.close();
  }
}
