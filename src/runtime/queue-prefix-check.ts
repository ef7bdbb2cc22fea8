import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import { jetStreamNames } from '../queue/nats/jetstream-names.js';
import { connectNats } from '../queue/nats/nats-connection.js';
import type { InstallationRepository } from '../store/store.js';

/** The installation's JetStream prefix, recorded by the first process that starts on NATS. */
const QUEUE_PREFIX = 'queue_prefix';

/** Whether the JetStream inbox stream of `prefix` exists: the prefix is in use by this installation's processes. */
async function inboxStreamExists(url: string, prefix: string): Promise<boolean> {
  const nc = await connectNats(url, `sluice-prefix-check-${process.pid}`);
  try {
    const jsm = await jetstreamManager(nc);
    return await jsm.streams.info(jetStreamNames(prefix).inboxStream).then(
      () => true,
      (error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
        throw error;
      },
    );
  } finally {
    await nc.close();
  }
}

/**
 * Refuses a process whose SLUICE_QUEUE_PREFIX is not the one the installation's other processes use (a variable
 * forgotten on one machine, so the default `sluice`, or a typo): on the same database it would accept events into
 * streams no processor of the installation reads (lost to it, or taken by another installation sharing the NATS
 * cluster under that prefix) while looking healthy. The prefix is recorded by the installation's first start, or, in
 * an installation from before this check, by the first start whose prefix's inbox stream exists already (a mistyped
 * prefix has none, so it is not the one recorded); `acceptNewQueuePrefix` moves the installation to another one.
 */
export async function checkQueuePrefix(installation: InstallationRepository, config: SluiceConfig, options: { firstStart: boolean; logger?: Logger }): Promise<void> {
  if (!config.queueUrl) return;
  let recorded = await installation.get(QUEUE_PREFIX);
  if (recorded === undefined) {
    if (!options.firstStart && !(await inboxStreamExists(config.queueUrl, config.queuePrefix))) return;
    recorded = await installation.setIfAbsent(QUEUE_PREFIX, config.queuePrefix);
  }
  if (recorded === config.queuePrefix) return;
  if (config.acceptNewQueuePrefix) {
    await installation.replace(QUEUE_PREFIX, config.queuePrefix);
    options.logger?.warn({ from: recorded, to: config.queuePrefix }, 'moved this installation to another queue prefix (SLUICE_ACCEPT_NEW_QUEUE_PREFIX): processes still on the old one are refused at their next start');
    return;
  }
  throw new SluiceError(
    'invalid_config',
    `SLUICE_QUEUE_PREFIX is "${config.queuePrefix}" but this installation's processes use "${recorded}" (recorded in its database): this process would put events and delivery jobs in JetStream streams (${config.queuePrefix}_inbox, ...) that they never read. Set SLUICE_QUEUE_PREFIX=${recorded} as on the other processes. To move the installation to another prefix on purpose: stop the ingest processes, let ${recorded}_inbox and ${recorded}_deliveries drain, stop the others, then start them with the new prefix and, once, SLUICE_ACCEPT_NEW_QUEUE_PREFIX=true.`,
  );
}
