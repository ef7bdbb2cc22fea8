import { createHash } from 'node:crypto';

/** A line of the import file that could not be imported, with why. */
export interface FailedLine {
  /** 1-based line number in the file. */
  line: number;
  code: string;
  message: string;
}

/** One line of the file read as an event to import. */
export interface ImportEvent {
  line: number;
  event: Record<string, unknown>;
  /** The event serialized as it will be sent. */
  json: string;
}

export type ParsedLine = { kind: 'event'; value: ImportEvent } | { kind: 'failed'; value: FailedLine } | { kind: 'blank' };

/**
 * Reads one NDJSON line as a historical event. The event keeps its own `timestamp` (or
 * `originalTimestamp`); its `sentAt` is dropped, because the Tracking API would otherwise correct the
 * timestamp for clock skew against the time of the import. An event without `messageId` (or with a null, empty
 * or blank one) gets one derived from the line's content, so importing the same file twice stores each event once.
 */
export function parseImportLine(text: string, line: number): ParsedLine {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'failed', value: { line, code: 'invalid_json', message: `not valid JSON (${reason})` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'failed', value: { line, code: 'invalid_body', message: 'each line must be one JSON object (a Segment event)' } };
  }
  const event = { ...(value as Record<string, unknown>) };
  delete event.sentAt;
  delete event.writeKey;
  // As the Tracking API reads it: null, empty or only whitespace is no messageId (it would get a random one there).
  const given = event.messageId;
  if (given === undefined || given === null || (typeof given === 'string' && given.trim() === '')) {
    event.messageId = `import-${createHash('sha256').update(trimmed).digest('hex').slice(0, 40)}`;
  }
  return { kind: 'event', value: { line, event, json: JSON.stringify(event) } };
}

/** Limits of one POST to /v1/import, kept under the Tracking API's (2,500 events, 500 KB). */
export const IMPORT_BATCH = { maxEvents: 500, maxBytes: 400 * 1024 } as const;

/**
 * Groups events into batches that fit one request. An event too big to share a batch travels alone (the
 * server then reports it as too large, with its line).
 */
export class BatchBuilder {
  private current: ImportEvent[] = [];
  private bytes = 0;

  /** Adds an event; returns a full batch when this event did not fit into the current one. */
  add(event: ImportEvent): ImportEvent[] | undefined {
    const size = Buffer.byteLength(event.json) + 1;
    let full: ImportEvent[] | undefined;
    if (this.current.length > 0 && (this.current.length >= IMPORT_BATCH.maxEvents || this.bytes + size > IMPORT_BATCH.maxBytes)) {
      full = this.take();
    }
    this.current.push(event);
    this.bytes += size;
    return full;
  }

  /** The batch being built (possibly empty), leaving the builder empty. */
  take(): ImportEvent[] {
    const batch = this.current;
    this.current = [];
    this.bytes = 0;
    return batch;
  }
}

/** The request body of one batch. */
export function batchBody(batch: readonly ImportEvent[]): string {
  return `{"batch":[${batch.map((e) => e.json).join(',')}]}`;
}
