import type { Queue } from '../../queue/queue.js';
import type { JsonObject, SegmentEvent } from '../../protocol/segment-event.js';
import type { PipelinePublisher, PublishedIdentify } from './ports.js';

/**
 * Sends a correction through the pipeline like any identify call on the given source, so the profile's traits are
 * updated and the destinations receive the corrected values (GDPR 16 and 19; which sources: correction-routes.ts).
 */
export class InboxPublisher implements PipelinePublisher {
  constructor(private readonly queue: Queue) {}

  async publishIdentify(input: PublishedIdentify): Promise<void> {
    const now = new Date().toISOString();
    const event: SegmentEvent = {
      type: 'identify',
      messageId: input.messageId,
      userId: input.userId ?? null,
      anonymousId: input.anonymousId ?? null,
      traits: JSON.parse(JSON.stringify(input.traits)) as JsonObject,
      context: { library: { name: 'sluice-privacy-requests', version: '1' } },
      integrations: input.integrations,
      originalTimestamp: now,
      timestamp: now,
      receivedAt: now,
      version: 2,
    };
    await this.queue.publishInbox([{ workspaceId: input.workspaceId, sourceId: input.sourceId, json: JSON.stringify(event) }]);
  }
}
