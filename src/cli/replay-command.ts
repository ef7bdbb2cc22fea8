import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import { replayRange } from '../api/deliveries-api.js';
import { buildDeciders } from '../processor/build-processor.js';
import { FanOut } from '../processor/fan-out/fan-out.js';
import { openDeliveryQueue, openStore } from '../runtime/backends.js';

export interface ReplayOptions {
  destination: string;
  from: string;
  to: string;
  event?: string;
  type?: string;
  source?: string;
  workspace?: string;
}

function time(name: string, value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new SluiceError('validation_failed', `--${name} "${value}" is not a date: use ISO-8601, e.g. 2026-01-31T00:00:00Z.`);
  return ms;
}

/**
 * `sluice replay --destination <id> --from <iso> --to <iso> [--event <name>] [--type <type>] [--source <id>]`:
 * queues the stored events of a time range (by receivedAt) to one destination again, oldest first, through
 * the same consent, filter and PII decisions as live traffic, with a progress bar. A running router
 * delivers them.
 */
export async function replayCommand(options: ReplayOptions): Promise<void> {
  const config = loadConfig();
  const from = time('from', options.from);
  const to = time('to', options.to);
  if (!(from < to)) throw new SluiceError('validation_failed', '--from must be before --to.');
  const store = await openStore(config, { migrate: true });
  const queue = await openDeliveryQueue(config);
  try {
    const candidates = options.workspace
      ? [await store.destinations.get(options.workspace, options.destination)]
      : (await store.destinations.listAll()).filter((d) => d.id === options.destination);
    const destination = candidates[0];
    if (!destination) throw new SluiceError('not_found', `No destination ${options.destination} (GET /api/v1/destinations lists them).`);
    const range = { from, to, ...(options.event !== undefined && { event: options.event }), ...(options.type !== undefined && { type: options.type }), ...(options.source !== undefined && { sourceId: options.source }) };
    const total = await store.events.countMatching({ workspaceId: destination.workspaceId, ...range });
    const bar = new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} events | {duration_formatted}', stream: process.stderr }, Presets.shades_classic);
    bar.start(total, 0);
    const result = await replayRange({ store, queue, fanOut: new FanOut(buildDeciders({ store })) }, destination, range, (done) => bar.update(Math.min(done, total)));
    bar.update(total);
    bar.stop();
    process.stdout.write(`Queued ${result.queued} events to ${destination.name} (${destination.id}); ${result.dropped} withheld by consent, filters or the integrations object (see its deliveries).\n`);
  } finally {
    await queue?.close();
    await store.close();
  }
}
