import { canonicalJson, ChainVerifier, GENESIS_HASH, type AuditEntry } from '../core/audit-entry.js';

/** Where an exported audit log breaks, with the line of the file it was found on (1-based). */
export interface ExportBreak {
  line: number;
  seq: number | null;
  entryId: string | null;
  reason: 'not_an_entry' | 'other_workspace' | 'other_export' | 'out_of_order' | 'sequence_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'head_mismatch' | 'tail_removed';
  message: string;
}

/**
 * What every line of an export carries about the export itself (`exportedWith`, not covered by any hash: it says what
 * the exporting Sluice stated, as far as the file can be trusted): the workspace's chain head when the export was made
 * (the export holds no entry after it) and the filters it was made with (`{}`: the whole log).
 */
export interface ExportedWith {
  head: { seq: number; hash: string } | null;
  filters: Record<string, string>;
}

/** Where a filtered export leaves entries out: between seq `after` and seq `before`, `missing` entries not in the file. */
export interface ExportGap {
  after: number;
  before: number;
  missing: number;
}

/** What checking an NDJSON export of the audit log found. */
export interface ExportVerification {
  ok: boolean;
  workspaceId: string | null;
  entries: number;
  /** The oldest and newest seq in the file (null when it holds no entry). */
  firstSeq: number | null;
  lastSeq: number | null;
  /** The newest entry's hash: compare it with the workspace's head (`GET /api/v1/audit-log/verify`). */
  lastHash: string | null;
  /** What the lines say about the export (undefined: an export made before lines carried it). */
  exportedWith: ExportedWith | undefined;
  /** True when the export was made with filters: entries between the file's lines may be left out by them. */
  filtered: boolean;
  /** Links checked: an entry's prevHash against the hash of the entry before it in the file (seq one less), or genesis. */
  linksChecked: number;
  /** Where the file skips entries its filters left out (filtered exports only; an unfiltered one with a gap is broken). */
  gaps: ExportGap[];
  /** Whether the newest line is the chain's head as the export recorded it (null: the file names no head, or the filters left the head's entry out). */
  endsAtHead: boolean | null;
  broken: ExportBreak | undefined;
}

interface Line {
  line: number;
  entry: AuditEntry;
  /** The line's `exportedWith` as written (compared between lines), or undefined. */
  exportedWith: string | undefined;
}

const STRING_FIELDS = ['id', 'workspaceId', 'actor', 'action', 'resourceType', 'resourceId', 'hash', 'prevHash'] as const;

/** One exported line as the entry that was hashed (fields the export leaves out when null are null), or why not. */
function parseLine(text: string, line: number): AuditEntry | ExportBreak {
  const fail = (message: string): ExportBreak => ({ line, seq: null, entryId: null, reason: 'not_an_entry', message });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`Line ${line} is not JSON: the file is not an audit log export (GET /api/v1/audit-log/export), or it was cut or edited.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(`Line ${line} is not an audit entry (a JSON object).`);
  const record = value as Record<string, unknown>;
  if (record.workspaceId === undefined) {
    return fail(`Line ${line} has no workspaceId: the file was exported by a Sluice version before the export carried it. Export the audit log again to verify it offline.`);
  }
  for (const field of STRING_FIELDS) {
    if (typeof record[field] !== 'string') return fail(`Line ${line} has no text "${field}": it is not an audit entry as Sluice exports it.`);
  }
  if (typeof record.seq !== 'number' || !Number.isInteger(record.seq) || record.seq < 1) return fail(`Line ${line} has no whole-number "seq" of 1 or more.`);
  const at = typeof record.at === 'string' ? Date.parse(record.at) : Number.NaN;
  if (Number.isNaN(at)) return fail(`Line ${line} has no "at" date-time.`);
  const optionalText = (field: string): string | null | ExportBreak => {
    const v = record[field];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : fail(`Line ${line}: "${field}" is not text.`);
  };
  const resourceName = optionalText('resourceName');
  const ip = optionalText('ip');
  if (typeof resourceName === 'object' && resourceName !== null) return resourceName;
  if (typeof ip === 'object' && ip !== null) return ip;
  return {
    seq: record.seq,
    id: record.id as string,
    workspaceId: record.workspaceId as string,
    at,
    actor: record.actor as string,
    action: record.action as string,
    resourceType: record.resourceType as string,
    resourceId: record.resourceId as string,
    resourceName,
    before: record.before ?? null,
    after: record.after ?? null,
    ip,
    prevHash: record.prevHash as string,
    hash: record.hash as string,
  };
}

/** A line's `exportedWith`, checked for its shape (undefined when the line has none), or why it is not one. */
function parseExportedWith(text: string, line: number): ExportedWith | undefined | ExportBreak {
  const value = (JSON.parse(text) as Record<string, unknown>).exportedWith;
  if (value === undefined) return undefined;
  const fail: ExportBreak = { line, seq: null, entryId: null, reason: 'not_an_entry', message: `Line ${line} has an "exportedWith" that is not {head, filters} as Sluice exports it.` };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail;
  const { head, filters } = value as Record<string, unknown>;
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters) || !Object.values(filters).every((v) => typeof v === 'string')) return fail;
  if (head === null) return { head: null, filters: filters as Record<string, string> };
  if (typeof head !== 'object' || head === undefined) return fail;
  const { seq, hash } = head as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || typeof hash !== 'string') return fail;
  return { head: { seq, hash }, filters: filters as Record<string, string> };
}

function isBreak(value: unknown): value is ExportBreak {
  return value !== null && typeof value === 'object' && 'reason' in value;
}

/** The first entry out of the file's order (newest first, as exported, or oldest first). */
function orderBreak(lines: Line[]): ExportBreak | undefined {
  const descending = lines.length > 1 && lines[0]!.entry.seq > lines[lines.length - 1]!.entry.seq;
  for (let i = 1; i < lines.length; i++) {
    const { entry: before, line: beforeLine } = lines[i - 1]!;
    const { entry, line } = lines[i]!;
    if (descending ? entry.seq < before.seq : entry.seq > before.seq) continue;
    return {
      line,
      seq: entry.seq,
      entryId: entry.id,
      reason: 'out_of_order',
      message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) comes after seq ${before.seq} on line ${beforeLine}, but the file runs ${descending ? 'newest first' : 'oldest first'}: entries were moved or copied.`,
    };
  }
  return undefined;
}

interface ChainWalk {
  broken: ExportBreak | undefined;
  linksChecked: number;
  gaps: ExportGap[];
}

/**
 * Walks the entries oldest first through the store's {@link ChainVerifier}, started at the file's oldest entry (an
 * export that does not begin at seq 1 links to an entry the file does not hold), and tells a break by file line. In a
 * filtered export a seq missing between two lines is a place the filters left out: the walk notes the gap and starts
 * again after it (each entry's own hash is still checked, and its link wherever the entry before it is in the file).
 */
function walkChain(workspaceId: string, oldestFirst: Line[], exportedWith: ExportedWith | undefined): ChainWalk {
  const filtered = exportedWith !== undefined && Object.keys(exportedWith.filters).length > 0;
  const gaps: ExportGap[] = [];
  let linksChecked = 0;
  let verifier: ChainVerifier | undefined;
  let previous: Line | undefined;
  const walk = (broken: ExportBreak | undefined): ChainWalk => ({ broken, linksChecked, gaps });
  for (const current of oldestFirst) {
    const { entry, line } = current;
    if (filtered && previous !== undefined && entry.seq > previous.entry.seq + 1) {
      gaps.push({ after: previous.entry.seq, before: entry.seq, missing: entry.seq - previous.entry.seq - 1 });
      verifier = undefined;
    }
    // A run of adjacent entries starts: its first links to genesis (seq 1) or to an entry the file does not hold.
    const linked = verifier !== undefined || entry.seq === 1;
    verifier ??= new ChainVerifier(workspaceId, { seq: entry.seq, prevHash: entry.seq === 1 ? GENESIS_HASH : entry.prevHash });
    if (verifier.push(entry)) {
      if (linked) linksChecked += 1;
      previous = current;
      continue;
    }
    const reason = verifier.broken!.reason as ExportBreak['reason'];
    const at = { line, seq: entry.seq, entryId: entry.id, reason };
    if (reason === 'sequence_gap') {
      const before = previous!.entry.seq;
      const missing = entry.seq - before - 1;
      const why = exportedWith === undefined
        ? 'removed from the file, or the export was filtered (export without filters to verify the chain)'
        : 'removed from the file (the export was made without filters, so it held them)';
      return walk({
        ...at,
        message: `${missing === 1 ? `The entry with seq ${before + 1} is` : `The ${missing} entries with seq ${before + 1} to ${entry.seq - 1} are`} missing between line ${previous!.line} (seq ${before}) and line ${line} (seq ${entry.seq}): ${why}.`,
      });
    }
    if (reason === 'prev_hash_mismatch') {
      return walk({ ...at, message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) does not link to the entry before it${previous ? ` (line ${previous.line})` : ''}: that entry was altered or replaced.` });
    }
    return walk({ ...at, message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) was altered after it was written: its content no longer matches its hash.` });
  }
  return walk(undefined);
}

/**
 * The newest line against the chain head the export recorded: the same entry (seq and hash) when the export is whole
 * or its filters kept the newest entry; an unfiltered export that ends before the head lost its last lines.
 */
function headBreak(newest: Line, exportedWith: ExportedWith): { broken: ExportBreak | undefined; endsAtHead: boolean | null } {
  const { entry, line } = newest;
  const at = { line, seq: entry.seq, entryId: entry.id };
  const head = exportedWith.head;
  if (head === null || entry.seq > head.seq) {
    const message = `Line ${line} (entry ${entry.id}, seq ${entry.seq}) is newer than the chain head the export recorded (${head === null ? 'no entry yet' : `seq ${head.seq}`}): it was added from another export or made up.`;
    return { broken: { ...at, reason: 'head_mismatch', message }, endsAtHead: false };
  }
  if (entry.seq === head.seq) {
    if (entry.hash === head.hash) return { broken: undefined, endsAtHead: true };
    return { broken: { ...at, reason: 'head_mismatch', message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) is the chain head the export recorded, but its hash is not the head's (${head.hash}): the line or the recorded head was changed.` }, endsAtHead: false };
  }
  if (Object.keys(exportedWith.filters).length > 0) return { broken: undefined, endsAtHead: false };
  const missing = head.seq - entry.seq;
  return {
    broken: {
      ...at,
      reason: 'tail_removed',
      message: `The export was made when the chain ended at seq ${head.seq}, but its newest line (line ${line}) is seq ${entry.seq}: ${missing === 1 ? `the entry with seq ${head.seq} was` : `the ${missing} entries with seq ${entry.seq + 1} to ${head.seq} were`} removed from the file.`,
    },
    endsAtHead: false,
  };
}

/**
 * Checks an NDJSON export of one workspace's audit log (`GET /api/v1/audit-log/export`, each line an entry with its
 * workspaceId, seq, hash and prevHash, and `exportedWith`: the chain head at export time and the filters) without the
 * database, and reports the first line that breaks. A whole export: every entry's hash, every link, no seq missing
 * between the oldest and newest entry, the newest entry is the recorded head, and the file's order (newest first as
 * exported, or oldest first). A filtered export: every entry's own hash, the links between entries adjacent in the
 * chain, the order, and the newest entry against the head when the filters kept it; the entries the filters left out
 * (`gaps`) cannot be checked from the file. What no file shows: entries written after the export (compare the head
 * with the workspace's, `GET /api/v1/audit-log/verify`), or a recorded head changed along with the lines.
 */
export function verifyAuditExport(text: string): ExportVerification {
  const lines: Line[] = [];
  const rows = text.split('\n');
  let workspaceId: string | null = null;
  let exportedWith: ExportedWith | undefined;
  let walked: ChainWalk = { broken: undefined, linksChecked: 0, gaps: [] };
  let endsAtHead: boolean | null = null;
  const result = (broken: ExportBreak | undefined): ExportVerification => {
    const oldest = lines.reduce<Line | undefined>((best, l) => (best === undefined || l.entry.seq < best.entry.seq ? l : best), undefined);
    const newest = lines.reduce<Line | undefined>((best, l) => (best === undefined || l.entry.seq > best.entry.seq ? l : best), undefined);
    return {
      ok: broken === undefined,
      workspaceId,
      entries: lines.length,
      firstSeq: oldest?.entry.seq ?? null,
      lastSeq: newest?.entry.seq ?? null,
      lastHash: newest?.entry.hash ?? null,
      exportedWith,
      filtered: exportedWith !== undefined && Object.keys(exportedWith.filters).length > 0,
      linksChecked: walked.linksChecked,
      gaps: walked.gaps,
      endsAtHead,
      broken,
    };
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    const parsed = parseLine(row, i + 1);
    if (isBreak(parsed)) return result(parsed);
    if (workspaceId !== null && parsed.workspaceId !== workspaceId) {
      return result({ line: i + 1, seq: parsed.seq, entryId: parsed.id, reason: 'other_workspace', message: `Line ${i + 1} belongs to workspace ${parsed.workspaceId}, the lines before it to ${workspaceId}: verify one workspace's export at a time.` });
    }
    const stated = parseExportedWith(row, i + 1);
    if (isBreak(stated)) return result(stated);
    const statedText = stated === undefined ? undefined : canonicalJson(stated);
    if (lines.length > 0 && statedText !== lines[0]!.exportedWith) {
      return result({ line: i + 1, seq: parsed.seq, entryId: parsed.id, reason: 'other_export', message: `Line ${i + 1} says it was exported ${stated === undefined ? 'by an earlier Sluice' : `with ${statedText}`}, the lines before it ${lines[0]!.exportedWith === undefined ? 'by an earlier Sluice' : `with ${lines[0]!.exportedWith}`}: lines of different exports were put together. Verify each export on its own.` });
    }
    if (lines.length === 0) exportedWith = stated;
    workspaceId = parsed.workspaceId;
    lines.push({ line: i + 1, entry: parsed, exportedWith: statedText });
  }
  const outOfOrder = orderBreak(lines);
  if (outOfOrder) return result(outOfOrder);
  if (workspaceId === null) return result(undefined);
  const oldestFirst = lines.length > 1 && lines[0]!.entry.seq > lines[1]!.entry.seq ? [...lines].reverse() : lines;
  walked = walkChain(workspaceId, oldestFirst, exportedWith);
  if (walked.broken || exportedWith === undefined) return result(walked.broken);
  const atHead = headBreak(oldestFirst[oldestFirst.length - 1]!, exportedWith);
  endsAtHead = atHead.endsAtHead;
  return result(atHead.broken);
}
