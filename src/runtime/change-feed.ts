import { BroadcastChannel } from 'node:worker_threads';

/** Kinds of configuration change that caches in other stages must hear about at once. */
export type ChangeTopic = 'sources' | 'destinations' | 'workspace' | 'consent' | 'suppressions';

/**
 * Tells every thread of this process that configuration changed, so "a change made through the API applies
 * to every event accepted after the call returns". Built on BroadcastChannel, which reaches worker threads.
 */
export class ChangeFeed {
  private readonly channel = new BroadcastChannel('sluice-changes');
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();

  constructor() {
    this.channel.onmessage = (message) => {
      const topic = (message as unknown as { data: ChangeTopic }).data;
      for (const listener of this.listeners) listener(topic);
    };
    (this.channel as unknown as { unref?: () => void }).unref?.();
  }

  /** Announces a change to this thread's listeners and to every other thread. */
  publish(topic: ChangeTopic): void {
    for (const listener of this.listeners) listener(topic);
    this.channel.postMessage(topic);
  }

  subscribe(listener: (topic: ChangeTopic) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.channel.close();
  }
}
