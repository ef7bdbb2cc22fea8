import type { Queue } from '../../queue/queue.js';
import type { JsonObject, SegmentEvent } from '../../protocol/segment-event.js';
import type { SourceRepository } from '../../store/store.js';
import type { PipelinePublisher } from './ports.js';

/**
 * Sends a correction through the pipeline like any identify call (on the workspace's first source), so the
 * profile's traits are updated and every destination receives the corrected values (GDPR 16 and 19).
 */
export class InboxPublisher implements PipelinePublisher {
  constructor(
    private readonly queue: Queue,
    private readonly sources: SourceRepository,
  ) {}

  async publishIdentify(input: { workspaceId: string; userId?: string; anonymousId?: string; traits: Readonly<Record<string, unknown>>; messageId: string }): Promise<void> {
    const [source] = await this.sources.list(input.workspaceId);
    if (!source) throw new Error(`workspace ${input.workspaceId} has no source to send the correction through`);
    const now = new Date().toISOString();
    const event: SegmentEvent = {
      type: 'identify',
      messageId: input.messageId,
      userId: input.userId ?? null,
      anonymousId: input.anonymousId ?? null,
      traits: JSON.parse(JSON.stringify(input.traits)) as JsonObject,
      context: { library: { name: 'sluice-privacy-requests', version: '1' } },
      integrations: {},
      originalTimestamp: now,
      timestamp: now,
      receivedAt: now,
      version: 2,
    };
    await this.queue.publishInbox([{ workspaceId: input.workspaceId, sourceId: source.id, json: JSON.stringify(event) }]);
  }
}
