import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { connectNats } from '../queue/nats/nats-connection.js';
import { jetStreamNames } from '../queue/nats/jetstream-names.js';
import { CHANGE_TOPICS, type ChangeFeed, type ChangeTopic } from './change-feed.js';

interface WireChange {
  topic: ChangeTopic;
  /** The process that made the change (it has told its own threads already). */
  origin: string;
}

/**
 * Carries configuration changes between processes over core NATS (subject `<prefix>.changes`), so a source
 * disabled through the API process is refused by every ingest process within milliseconds (one NATS hop)
 * rather than within the source cache's 1 s TTL.
 *
 * Core NATS is at-most-once: a notice sent while this process is disconnected is lost. So on every
 * reconnect the relay announces every topic locally (caches drop everything and reload), and the caches'
 * own TTLs remain the upper bound (1 s for sources) should a notice ever be lost.
 */
export class NatsChangeRelay {
  private readonly origin = randomUUID();
  private subscription: Subscription | undefined;
  private watching: Promise<void> | undefined;
  /** When this process's connection to NATS was lost (undefined while connected). */
  private disconnectedSince: number | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly feed: ChangeFeed,
    private readonly subject: string,
    private readonly logger: Logger,
  ) {}

  static async start(options: { url: string; prefix: string; feed: ChangeFeed; logger: Logger }): Promise<NatsChangeRelay> {
    const nc = await connectNats(options.url, `sluice-changes-${process.pid}`);
    const relay = new NatsChangeRelay(nc, options.feed, jetStreamNames(options.prefix).changesSubject, options.logger);
    relay.listen();
    await nc.flush(); // the subscription is registered on the server before start() resolves
    return relay;
  }

  private listen(): void {
    this.subscription = this.nc.subscribe(this.subject, {
      callback: (error, message) => {
        if (error) return this.logger.warn({ err: error }, 'change notice subscription error');
        try {
          const change = message.json<WireChange>();
          if (change.origin === this.origin || !CHANGE_TOPICS.includes(change.topic)) return;
          this.feed.deliverRemote(change.topic);
        } catch (e) {
          this.logger.warn({ err: e }, 'unreadable change notice ignored');
        }
      },
    });
    this.feed.onLocalChange((topic) => {
      try {
        this.nc.publish(this.subject, JSON.stringify({ topic, origin: this.origin } satisfies WireChange));
      } catch (e) {
        this.logger.warn({ err: e, topic }, 'could not announce a change to other processes; their caches expire within their TTL');
      }
    });
    this.watching = (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') this.disconnectedSince ??= Date.now();
        if (status.type === 'reconnect') {
          this.disconnectedSince = undefined;
          for (const topic of CHANGE_TOPICS) this.feed.deliverRemote(topic);
        }
      }
    })();
  }

  /**
   * Why this process is cut off from NATS, or undefined while connected: every scale-mode process has this connection,
   * so `/health` of one without the Tracking API (processor, router, jobs, api) reports an outage too; its worker
   * threads' own connections to the same servers are down then as well.
   */
  unavailable(): string | undefined {
    if (this.nc.isClosed()) return 'the connection to NATS is closed';
    if (this.disconnectedSince === undefined) return undefined;
    return `the connection to NATS was lost ${Math.round((Date.now() - this.disconnectedSince) / 1000)} s ago and is being re-established`;
  }

  async stop(): Promise<void> {
    this.feed.onLocalChange(undefined);
    this.subscription?.unsubscribe();
    await this.nc.drain().catch(() => this.nc.close());
    await this.watching?.catch(() => undefined);
  }
}
