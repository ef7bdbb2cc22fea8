import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../test/support/nats.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import { ChangeFeed, type ChangeTopic } from './change-feed.js';
import { NatsChangeRelay } from './nats-change-relay.js';

const available = await natsAvailable();

describe.runIf(available)('NatsChangeRelay', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A "process": its own feed (own BroadcastChannel name) and relay on a shared prefix. */
  async function processOn(prefix: string, name: string) {
    const feed = new ChangeFeed({ channel: `sluice-changes-${prefix}-${name}` });
    const relay = await NatsChangeRelay.start({ url: TEST_QUEUE_URL, prefix, feed, logger: pino({ level: 'silent' }) });
    const heard: ChangeTopic[] = [];
    feed.subscribe((topic) => heard.push(topic));
    cleanups.push(async () => {
      await relay.stop();
      feed.close();
    });
    return { feed, heard };
  }

  it('tells other processes of a change, once, without echoing it back', async () => {
    const prefix = uniqueQueuePrefix('changes');
    const api = await processOn(prefix, 'api');
    const ingest1 = await processOn(prefix, 'ingest1');
    const ingest2 = await processOn(prefix, 'ingest2');
    await api.feed.publish('sources');
    // How fast is not asserted here (a loaded machine's timers say nothing about it): it is seconds in the scale tests.
    await eventually(async () => (ingest1.heard.length > 0 && ingest2.heard.length > 0 ? true : undefined));
    expect(ingest1.heard).toEqual(['sources']);
    expect(ingest2.heard).toEqual(['sources']);
    await new Promise((r) => setTimeout(r, 200));
    expect(api.heard).toEqual(['sources']);
    expect(ingest1.heard).toHaveLength(1);
  });

  it('does not cross installations (prefixes)', async () => {
    const a = await processOn(uniqueQueuePrefix('changes'), 'a');
    const b = await processOn(uniqueQueuePrefix('changes'), 'b');
    await a.feed.publish('destinations');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.heard).toEqual([]);
  });
});
