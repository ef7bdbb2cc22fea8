import { Keys } from '../core/crypto/keys.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import { openDeliveryQueue, openQueue, openStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';
import { createLogger } from '../runtime/logger.js';
import { resolveSecretKey } from '../runtime/secret-key.js';
import { runWorker } from '../runtime/worker-runtime.js';
import { AuditLog } from '../accounts/audit-log.js';
import { auditSink } from '../privacy/requests/privacy-ports.js';
import { RequestService } from '../privacy/requests/request-service.js';
import { droppedEventNotes } from './dropped-event-notes.js';
import { CounterBuffer } from '../observability/counter-buffer.js';
import { buildProcessor } from './build-processor.js';
import { logQueueTrouble } from '../queue/queue-trouble.js';

/**
 * Events per processor batch (the embedded inbox reads whole requests until it has at least this many). With a
 * backlog, a batch's fixed costs (its reads of the identity graph, consent and restrictions; one commit per file)
 * and the index pages its users' events land on are shared by more events: with 4,000 instead of 1,000 the
 * processor spent 20 us of CPU per event instead of 25 (bench/pipeline-cpu, docs/benchmarks.md). A batch only
 * takes what is waiting, so a quiet pipeline's latency is unchanged. JetStream hands a consumer at most its
 * partition's max-ack-pending (1,000) unacknowledged messages, so a larger fetch there would only wait.
 */
const EMBEDDED_BATCH_SIZE = 4000;
const JETSTREAM_BATCH_SIZE = 1000;

runWorker(async ({ data, signal, counters }) => {
  const logger = createLogger(data.config, 'processor');
  // Progress commits: the processor flushes a batch's store writes once, at its end (buildProcessor).
  const store = await openStore(data.config, { migrate: false, commits: 'progress', logger });
  const queue = await openQueue(data.config, { consumer: true });
  const keys = new Keys(resolveSecretKey(data.config));
  const changes = new ChangeFeed({ versions: store.configVersions });
  const privacy = createPrivacyServices({ store, keys, changes });
  const deliveryQueue = await openDeliveryQueue(data.config, { pipeline: true });
  // Per-source counters of what the processor dropped (before storage) and withheld (per destination).
  const sourceCounters = new CounterBuffer((rows) => store.sourceCounters.add(rows), {
    writeDrops: (rows) => store.sourceCounters.saveDrops(rows),
    onError: (error) => logger.warn({ err: error }, 'could not write source counters; kept for the next try'),
  });
  sourceCounters.start();
  const requests = new RequestService(store, { audit: auditSink(new AuditLog(store.audit)) });
  const processor = buildProcessor({
    store,
    privacy: {
      services: privacy,
      keys,
      openChildDeletion: async ({ workspaceId, subject, detail, language }) => {
        const request = await requests.create(workspaceId, { type: 'delete', subject, channel: 'system', note: detail, ...(language !== undefined && { language }) }, 'system');
        logger.info({ requestId: request.id, workspaceId }, 'opened a deletion request for a subject found to be a child');
      },
    },
    queue: deliveryQueue,
    changes,
    onDropped: ({ workspaceId, sourceId, destinationId, reason }) => {
      counters.inc('sluice_deliveries_dropped_total', 'Events withheld from a destination at fan-out, by destination and reason.', { destination_id: destinationId, reason });
      sourceCounters.add(workspaceId, sourceId, 'withheld', reason);
    },
    onStored: ({ workspaceId, sourceId, minute, count }) => sourceCounters.add(workspaceId, sourceId, 'stored', '', count, minute),
  });
  try {
    await queue.consumeInbox(
      async (batch, stillHeld) => {
        // The inbox acknowledges the batch once its store flush is done, and hands out the next one meanwhile.
        const { report, durable } = await processor.processBatchFlushing(batch, stillHeld);
        return {
          durable: durable.then(() => {
            counters.inc('sluice_events_processed_total', 'Events the processor has handled.', {}, report.processed);
            for (const d of report.dropped) {
              counters.inc('sluice_events_dropped_total', 'Events dropped by the processor before storage or routing, by stage and reason.', { stage: d.stage, reason: d.reason });
              sourceCounters.add(d.item.workspaceId, d.item.sourceId, 'dropped', d.reason);
            }
            // The live debugger's `event: dropped`: the latest per source and reason (the client was answered 200).
            if (report.dropped.length > 0) for (const note of droppedEventNotes(report.dropped)) sourceCounters.keepDrop(note);
          }),
        };
      },
      { batchSize: data.config.queueUrl === undefined ? EMBEDDED_BATCH_SIZE : JETSTREAM_BATCH_SIZE, signal, onError: logQueueTrouble(logger, 'processor batch failed (retried) or inbox trouble (see the error)', 'error') },
    );
  } finally {
    await sourceCounters.stop();
    privacy.close();
    changes.close();
    await queue.close();
    await deliveryQueue.close();
    await store.close();
  }
});
