import { Type, type Static } from '@sinclair/typebox';
import type { DestinationType } from '../destination.js';
import { basicAuth, chunks, deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping } from '../http/http-mapping.js';

export const SegmentConfigSchema = Type.Object(
  {
    writeKey: Type.String({ minLength: 1, description: 'writeKey of the receiving source (a Segment source or another Sluice).' }),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://api.segment.io (default), https://events.eu1.segmentapis.com, or another Sluice.' })),
  },
  { additionalProperties: false },
);
export type SegmentConfig = Static<typeof SegmentConfigSchema>;

/** Segment's batch limits: 500 KB and 2,500 events per request; stay under both. */
const MAX_EVENTS = 500;
const MAX_BYTES = 450 * 1024;

export const segmentMapping: HttpMapping<SegmentConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const url = joinUrl(config.baseUrl ?? 'https://api.segment.io', '/v1/batch');
    const headers = { 'content-type': 'application/json', authorization: basicAuth(config.writeKey, '') };
    for (const chunk of chunks(items, MAX_EVENTS)) {
      let batch: string[] = [];
      let indexes: number[] = [];
      let bytes = 0;
      const flush = () => {
        if (batch.length === 0) return;
        plan.requests.push({ request: { method: 'POST', url, headers, body: `{"batch":[${batch.join(',')}],"sentAt":${JSON.stringify(new Date().toISOString())}}` }, itemIndexes: indexes });
        batch = [];
        indexes = [];
        bytes = 0;
      };
      chunk.items.forEach((it, i) => {
        // The event goes on as it is, messageId included, so the receiving workspace deduplicates retries.
        const { receivedAt: _receivedAt, sentAt: _sentAt, ...event } = it.event;
        const json = JSON.stringify(event);
        // The limit is in bytes: text outside ASCII takes up to 3 bytes a character.
        const size = Buffer.byteLength(json);
        if (bytes + size > MAX_BYTES) flush();
        batch.push(json);
        indexes.push(chunk.indexes[i]!);
        bytes += size + 1;
      });
      flush();
    }
    return plan;
  },
  secrets: (config) => [config.writeKey, Buffer.from(`${config.writeKey}:`).toString('base64')],
};

/**
 * Segment (or another Sluice): forwards events through the Tracking API, unchanged but for the server fields
 * the receiver sets itself. Deletion is the receiving workspace's job (its own privacy requests).
 */
export const segment: DestinationType<SegmentConfig> = {
  type: 'segment',
  displayName: 'Segment (Tracking API)',
  configSchema: SegmentConfigSchema,
  secretFields: ['writeKey'],
  urlFields: ['baseUrl'],
  maxBatchSize: 500,
  deliver: (items, config, context) => deliverHttp(segmentMapping, items, config, context),
  preview: async (items, config) => previewHttp(segmentMapping, items, config),
  noDeletion: 'The Tracking API has no deletion call; file the request in the receiving workspace (Segment: Regulations API; Sluice: POST /api/v1/privacy-requests).',
};
