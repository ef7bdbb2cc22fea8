import type { InboxEventRecord, RequestSignals } from '../queue.js';

/**
 * One JetStream message carries many inbox records (group commit: every publish of one event-loop turn).
 * Framing is two lines per record: a small JSON header (`w` workspace, `s` source, `g` signals) and the
 * event JSON exactly as ingest serialized it. JSON.stringify never emits a raw newline, so lines are safe
 * and the event JSON is not escaped a second time.
 */
interface RecordHeader {
  w: string;
  s: string;
  g?: RequestSignals;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodedSize(record: InboxEventRecord): number {
  // An upper bound is enough for chunking: header fields plus the event, in UTF-16 units x 3 worst case.
  return (record.workspaceId.length + record.sourceId.length + record.json.length) * 3 + (record.signals ? 256 : 0) + 16;
}

export function encodeInbox(records: readonly InboxEventRecord[]): Uint8Array {
  const lines: string[] = [];
  for (const r of records) {
    const header: RecordHeader = { w: r.workspaceId, s: r.sourceId };
    if (r.signals) header.g = r.signals;
    lines.push(JSON.stringify(header), r.json);
  }
  return encoder.encode(lines.join('\n'));
}

export function decodeInbox(data: Uint8Array): InboxEventRecord[] {
  const lines = decoder.decode(data).split('\n');
  if (lines.length % 2 !== 0) throw new Error(`inbox message is malformed: ${lines.length} lines, expected pairs`);
  const records: InboxEventRecord[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const header = JSON.parse(lines[i]!) as RecordHeader;
    records.push({ workspaceId: header.w, sourceId: header.s, json: lines[i + 1]!, ...(header.g ? { signals: header.g } : {}) });
  }
  return records;
}
