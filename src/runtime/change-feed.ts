import { BroadcastChannel } from 'node:worker_threads';

/** Kinds of configuration change that caches in other stages must hear about at once. */
export type ChangeTopic = 'sources' | 'destinations' | 'workspace' | 'consent' | 'suppressions';

export const CHANGE_TOPICS: readonly ChangeTopic[] = ['sources', 'destinations', 'workspace', 'consent', 'suppressions'];

/** What travels on the BroadcastChannel: the topic, and whether it came from another process already. */
interface ChannelMessage {
  topic: ChangeTopic;
  remote: boolean;
}

/**
 * Tells every thread of this process that configuration changed, so "a change made through the API applies
 * to every event accepted after the call returns". Built on BroadcastChannel, which reaches worker threads.
 * In scale mode a relay (`NatsChangeRelay`) carries changes to and from the other processes: it hears every
 * change made in this process (any thread) through `onLocalChange`, and injects other processes' changes
 * with `deliverRemote`.
 */
export class ChangeFeed {
  private readonly channel: BroadcastChannel;
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();
  private relay: ((topic: ChangeTopic) => void) | undefined;

  /** `channelName` separates feeds living in one process (tests that stand for several processes). */
  constructor(channelName = 'sluice-changes') {
    this.channel = new BroadcastChannel(channelName);
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

  /** Announces a change to this thread's listeners, to every other thread, and to other processes. */
  publish(topic: ChangeTopic): void {
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
