import type { Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import type { InstallationRepository } from '../store/store.js';

/** The installation's JetStream prefix, recorded by the first process that starts on NATS. */
const QUEUE_PREFIX = 'queue_prefix';

/**
 * Refuses a process whose SLUICE_QUEUE_PREFIX is not the one the installation's other processes use (a variable
 * forgotten on one machine, so the default `sluice`, or a typo): on the same database it would accept events into
 * streams no processor of the installation reads (lost to it, or taken by another installation sharing the NATS
 * cluster under that prefix) while looking healthy. The first start on NATS records the prefix (installations from
 * before this check record theirs at their next start); `acceptNewQueuePrefix` moves the installation to another one.
 */
export async function checkQueuePrefix(installation: InstallationRepository, config: SluiceConfig, logger?: Logger): Promise<void> {
  if (!config.queueUrl) return;
  const recorded = await installation.setIfAbsent(QUEUE_PREFIX, config.queuePrefix);
  if (recorded === config.queuePrefix) return;
  if (config.acceptNewQueuePrefix) {
    await installation.replace(QUEUE_PREFIX, config.queuePrefix);
    logger?.warn({ from: recorded, to: config.queuePrefix }, 'moved this installation to another queue prefix (SLUICE_ACCEPT_NEW_QUEUE_PREFIX): processes still on the old one are refused at their next start');
    return;
  }
  throw new SluiceError(
    'invalid_config',
    `SLUICE_QUEUE_PREFIX is "${config.queuePrefix}" but this installation's processes use "${recorded}" (recorded in its database): this process would put events and delivery jobs in JetStream streams (${config.queuePrefix}_inbox, ...) that they never read. Set SLUICE_QUEUE_PREFIX=${recorded} as on the other processes. To move the installation to another prefix on purpose: stop the ingest processes, let ${recorded}_inbox and ${recorded}_deliveries drain, stop the others, then start them with the new prefix and, once, SLUICE_ACCEPT_NEW_QUEUE_PREFIX=true.`,
  );
}
