import { existsSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { createLogger } from '../runtime/logger.js';
import { AuditLog } from '../accounts/audit-log.js';
import { replayView } from '../api/replays-api.js';
import { loadConfig } from '../config/config.js';
import { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import { parseClientTime } from '../core/tracking/client-time.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import { buildDeciders } from '../processor/build-processor.js';
import { FanOut } from '../processor/fan-out/fan-out.js';
import type { ReplayRange } from '../replay/replay.js';
import { checkDestinationEnabled, checkReplayRange, replayWindow } from '../replay/replay-range-check.js';
import { ReplayRunner } from '../replay/replay-runner.js';
import { openDeliveryQueue, openInstalledStore } from '../runtime/backends.js';
import { checkQueuePrefix } from '../runtime/queue-prefix-check.js';
import { checkSecretKey, resolveSecretKey } from '../runtime/secret-key.js';
import { sqliteQueueFile } from '../store/sqlite/sqlite-database.js';

export interface ReplayOptions {
  destination: string;
  from: string;
  to?: string;
  event?: string;
  type?: string;
  source?: string;
  workspace?: string;
}

/**
 * `--from` / `--to` as epoch ms: ISO-8601 only, read as the Tracking API reads client times (`parseClientTime`:
 * without an offset UTC, a date alone its midnight UTC). `Date.parse` took `12/01/2026` (month first, in the
 * machine's time zone), `1` (the year 2001) and `2026-02-30` (rolled over to 2 March) without a word.
 */
function time(name: string, value: string): number {
  const iso = parseClientTime(value, `--${name}`);
  if (iso === undefined) throw new SluiceError('validation_failed', `--${name} is empty: use ISO-8601, e.g. 2026-01-31T00:00:00Z.`);
  return Date.parse(iso);
}

const LEASE_MS = 60_000;

/**
 * `sluice replay --destination <id> --from <iso> [--to <iso>, default now] [--event <name>] [--type <type>] [--source <id>]`:
 * queues the stored events of a time range (by receivedAt) to one destination again, oldest first, through
 * the same consent, filter and PII decisions as live traffic, with a progress bar. The replay is recorded
 * like one asked for through the API (the console lists it) and run by this command; Ctrl-C cancels it. A
 * running router delivers what it queued.
 */
export async function replayCommand(options: ReplayOptions): Promise<void> {
  const config = loadConfig();
  const now = Date.now();
  const start = time('from', options.from);
  // Without --to, up to now (later events reach the destination live); a --from in the future is then told as such.
  const end = options.to === undefined ? Math.max(now, start + 1) : time('to', options.to);
  const { from, to } = replayWindow(start, end, now, { from: '--from', to: '--to' });
  // The store first: the key is read from the data dir it checked (never generated into a wrong one).
  const store = await openInstalledStore(config);
  const keys = new Keys(resolveSecretKey(config));
  // Another key than the installation's would fail on every destination secret: said up front instead.
  await Promise.all([checkSecretKey(store.installation, keys, config), checkQueuePrefix(store.installation, config, { firstStart: false })]).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // On PostgreSQL without SLUICE_QUEUE_URL the jobs would go into a queue file of this directory: only a Sluice
  // running every role on embedded queues there reads it; a new file there nobody does.
  if (config.databaseUrl && !config.queueUrl && !existsSync(sqliteQueueFile(config.dataDir))) {
    await store.close();
    throw new SluiceError(
      'invalid_config',
      `SLUICE_DATABASE_URL is set but SLUICE_QUEUE_URL is not, and ${config.dataDir} (SLUICE_DATA_DIR) holds no Sluice queues: the replay's delivery jobs would go into a new file there that no router reads, and nothing would be delivered. Set SLUICE_QUEUE_URL and SLUICE_QUEUE_PREFIX as the installation's processes have them.`,
    );
  }
  const queue = await openDeliveryQueue(config);
  // The same consent, GPC, children's and PII rules as live traffic (decision 0400).
  const privacy = createPrivacyServices({ store, keys });
  let interrupted: (() => void) | undefined;
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    interrupted?.();
  };
  try {
    if (!queue) throw new SluiceError('not_ready', 'No delivery queue is configured (SLUICE_QUEUE); replays need one.');
    const candidates = options.workspace
      ? [await store.destinations.get(options.workspace, options.destination)]
      : (await store.destinations.listAll()).filter((d) => d.id === options.destination);
    const destination = candidates[0];
    if (!destination) throw new SluiceError('not_found', `No destination ${options.destination} (GET /api/v1/destinations lists them).`);
    const range: ReplayRange = { from, to, ...(options.event !== undefined && { event: options.event }), ...(options.type !== undefined && { type: options.type }), ...(options.source !== undefined && { sourceId: options.source }) };
    checkDestinationEnabled(destination, 'replay');
    await checkReplayRange(store.sources, destination, range, { type: '--type', event: '--event', sourceId: '--source' });
    const total = await store.events.countMatching({ workspaceId: destination.workspaceId, ...range });
    const replay = await store.replays.create({ workspaceId: destination.workspaceId, destinationId: destination.id, range, total, requestedBy: 'cli', leaseUntil: Date.now() + LEASE_MS }, Date.now());
    await new AuditLog(store.audit).record({ workspaceId: destination.workspaceId, actor: 'cli', action: 'destination.replay', resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, after: replayView(replay) });
    interrupted = () => void store.replays.cancel(destination.workspaceId, replay.id, Date.now());
    process.once('SIGINT', onSignal);
    const runner = new ReplayRunner({ store, queue, fanOut: new FanOut(buildDeciders({ store, privacy: { services: privacy, keys } })), logger: createLogger({ logLevel: 'warn' }, 'replay', process.stderr), leaseMs: LEASE_MS });
    const bar = new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} events | {duration_formatted}', stream: process.stderr }, Presets.shades_classic);
    bar.start(total, 0);
    const end = await runner.run(replay, (progress) => bar.update(Math.min(progress.read, total)));
    const result = (await store.replays.get(destination.workspaceId, replay.id)) ?? replay;
    if (end === 'completed') bar.update(total);
    bar.stop();
    const counts = `${result.queued} event${result.queued === 1 ? '' : 's'} queued to ${destination.name} (${destination.id}); ${result.dropped} withheld by consent, filters, PII rules or the integrations object (see its deliveries)`;
    if (result.status === 'completed') process.stdout.write(`Replay ${replay.id}: ${counts}.\n`);
    else if (result.status === 'cancelled' && signalled) {
      // Ctrl-C: told like any cancellation, with the shell's exit status for an interrupt (128 + SIGINT).
      process.stderr.write(`sluice: Replay ${replay.id} was cancelled (interrupted) after ${result.read} of ${total} events: ${counts}.\n`);
      process.exitCode = 130;
    } else throw new SluiceError('conflict', `Replay ${replay.id} ${result.status === 'cancelled' ? 'was cancelled' : `ended ${result.status}${result.error ? `: ${result.error}` : ''}`} after ${result.read} of ${total} events: ${counts}.`);
  } finally {
    process.off('SIGINT', onSignal);
    privacy.close();
    await queue?.close();
    await store.close();
  }
}
