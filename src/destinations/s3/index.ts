import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DeliveryOutcome, DestinationType } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { retryOfNetworkFailure } from '../network-failure.js';
import { S3Client } from './s3-client.js';
import { S3ConfigSchema, type S3Config } from './s3-config.js';

/** `<prefix><source>/YYYY/MM/DD/HH/`: one folder per source and hour of receipt. */
export function hourFolder(config: S3Config, sourceId: string, receivedAt: string): string {
  const at = new Date(receivedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${config.prefix ?? ''}${sourceId}/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/`;
}

/** Groups a batch by (source, hour) folder. */
function byFolder(items: readonly DeliveryItem[], config: S3Config): Map<string, DeliveryItem[]> {
  const groups = new Map<string, DeliveryItem[]>();
  for (const item of items) {
    const folder = hourFolder(config, item.sourceId ?? 'all-sources', item.event.receivedAt);
    groups.set(folder, [...(groups.get(folder) ?? []), item]);
  }
  return groups;
}

/**
 * The object key of a batch file: named by a hash of its messageIds, so a retried batch overwrites its own
 * file instead of writing the same events twice.
 */
function objectKey(folder: string, items: readonly DeliveryItem[]): string {
  const hash = createHash('sha256').update(items.map((i) => i.messageId).join('\n')).digest('hex').slice(0, 24);
  return `${folder}${hash}.ndjson.gz`;
}

function ndjsonGzip(events: readonly SegmentEvent[]): Uint8Array {
  return gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

export const s3: DestinationType<S3Config> = {
  type: 's3',
  displayName: 'S3 (raw event archive)',
  configSchema: S3ConfigSchema,
  secretFields: ['secretAccessKey', 'sessionToken'],
  urlFields: ['endpoint'],
  maxBatchSize: 1000,

  async deliver(items, config, context): Promise<DeliveryOutcome> {
    const client = new S3Client(config, context.http);
    for (const [folder, group] of byFolder(items, config)) {
      try {
        const response = await client.send('PUT', objectKey(folder, group), {
          body: ndjsonGzip(group.map((i) => i.event)),
          headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        });
        const result = classifyHttpStatus(response.status, response.headers, response.body);
        if (result.kind !== 'ok') return result;
      } catch (error) {
        return retryOfNetworkFailure(error, 'network error: ');
      }
    }
    return { kind: 'ok' };
  },

  async preview(items, config) {
    const requests = [...byFolder(items, config)].map(([folder, group]) => {
      const base = config.endpoint ? `${config.endpoint.replace(/\/+$/, '')}/${config.bucket}` : `https://s3.${config.region}.amazonaws.com/${config.bucket}`;
      return {
        method: 'PUT' as const,
        url: `${base}/${objectKey(folder, group)}`,
        headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', authorization: 'AWS4-HMAC-SHA256 Credential=****' },
        body: group.map((i) => JSON.stringify(i.event)).join('\n'),
      };
    });
    return { requests, warnings: ['the body is shown uncompressed; it is sent gzipped and signed with Signature V4'] };
  },

  /**
   * Rewrites every archive file holding the subject's events without them (a file left empty is deleted),
   * then counts what was removed. S3 keeps no index by person: when the delivery log names the sources and hours
   * of every event of the subject sent here (`receiptHours`), only those hour folders are read; otherwise every
   * file under the prefix.
   */
  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    const client = new S3Client(config, context.http);
    const users = new Set(subject.userIds);
    const anonymous = new Set(subject.anonymousIds);
    const belongs = (e: SegmentEvent) => (e.userId != null && users.has(e.userId)) || (e.anonymousId != null && anonymous.has(e.anonymousId));
    let removed = 0;
    let files = 0;
    const folders = subject.receiptHours ? [...new Set(subject.receiptHours.map((h) => hourFolder(config, h.sourceId, h.hour)))] : [config.prefix ?? ''];
    try {
      const keys: string[] = [];
      for (const folder of folders) keys.push(...(await client.listKeys(folder)));
      for (const key of keys) {
        if (!key.endsWith('.ndjson.gz')) continue;
        const response = await client.send('GET', key);
        if (response.status === 404) continue; // removed since it was listed (a retention run, another deletion)
        // A throttled or unavailable store (503 SlowDown, 500) is tried again later, as every deletion is.
        if (response.status !== 200) return deletionFailure(response.status, response.headers, response.body) ?? { kind: 'failed', error: `GET ${key} answered ${response.status}` };
        if (!response.bytes) return { kind: 'failed', error: `GET ${key}: the HTTP client returned no raw body` };
        const events = gunzipSync(response.bytes).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as SegmentEvent);
        const kept = events.filter((e) => !belongs(e));
        if (kept.length === events.length) continue;
        removed += events.length - kept.length;
        files++;
        const write = kept.length === 0 ? await client.send('DELETE', key) : await client.send('PUT', key, { body: ndjsonGzip(kept), headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' } });
        const failure = deletionFailure(write.status, write.headers, write.body);
        if (failure) return failure;
      }
    } catch (error) {
      return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    const where = subject.receiptHours ? `the ${folders.length} hour folder(s) the delivery log names` : 'every file under the prefix';
    return { kind: 'deleted', count: removed, detail: `${removed} event(s) removed from ${files} archive file(s); read ${where}` };
  },
};
