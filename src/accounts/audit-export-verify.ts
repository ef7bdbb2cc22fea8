import { ChainVerifier, GENESIS_HASH, type AuditEntry } from '../core/audit-entry.js';

/** Where an exported audit log breaks, with the line of the file it was found on (1-based). */
export interface ExportBreak {
  line: number;
  seq: number | null;
  entryId: string | null;
  reason: 'not_an_entry' | 'other_workspace' | 'out_of_order' | 'sequence_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
  message: string;
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
  broken: ExportBreak | undefined;
}

interface Line {
  line: number;
  entry: AuditEntry;
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

function isBreak(value: AuditEntry | ExportBreak): value is ExportBreak {
  return 'reason' in value;
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

/**
 * Walks the entries oldest first through the store's {@link ChainVerifier}, started at the file's oldest entry (an
 * export that does not begin at seq 1 links to an entry the file does not hold), and tells a break by file line.
 */
function chainBreak(workspaceId: string, oldestFirst: Line[]): ExportBreak | undefined {
  const first = oldestFirst[0];
  if (first === undefined) return undefined;
  const verifier = new ChainVerifier(workspaceId, { seq: first.entry.seq, prevHash: first.entry.seq === 1 ? GENESIS_HASH : first.entry.prevHash });
  let previous: Line | undefined;
  for (const current of oldestFirst) {
    if (verifier.push(current.entry)) {
      previous = current;
      continue;
    }
    const { entry, line } = current;
    const reason = verifier.broken!.reason as ExportBreak['reason'];
    const at = { line, seq: entry.seq, entryId: entry.id, reason };
    if (reason === 'sequence_gap') {
      const before = previous!.entry.seq;
      const missing = entry.seq - before - 1;
      return {
        ...at,
        message: `${missing === 1 ? `The entry with seq ${before + 1} is` : `The ${missing} entries with seq ${before + 1} to ${entry.seq - 1} are`} missing between line ${previous!.line} (seq ${before}) and line ${line} (seq ${entry.seq}): removed from the file, or the export was filtered (export without filters to verify the chain).`,
      };
    }
    if (reason === 'prev_hash_mismatch') {
      return { ...at, message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) does not link to the entry before it${previous ? ` (line ${previous.line})` : ''}: that entry was altered or replaced.` };
    }
    return { ...at, message: `Line ${line} (entry ${entry.id}, seq ${entry.seq}) was altered after it was written: its content no longer matches its hash.` };
  }
  return undefined;
}

/**
 * Checks an NDJSON export of one workspace's audit log (`GET /api/v1/audit-log/export`, each line an entry with its
 * workspaceId, seq, hash and prevHash) without the database: every entry's hash, every link, no seq missing between
 * the oldest and newest entry, and the file's order (newest first as exported, or oldest first). Reports the first
 * line that breaks. What it cannot see from the file alone: entries cut after the newest one (compare `lastHash`
 * with the workspace's head) or before the oldest when the export does not start at seq 1.
 */
export function verifyAuditExport(text: string): ExportVerification {
  const lines: Line[] = [];
  const rows = text.split('\n');
  let workspaceId: string | null = null;
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
    workspaceId = parsed.workspaceId;
    lines.push({ line: i + 1, entry: parsed });
  }
  const outOfOrder = orderBreak(lines);
  if (outOfOrder) return result(outOfOrder);
  const oldestFirst = lines.length > 1 && lines[0]!.entry.seq > lines[1]!.entry.seq ? [...lines].reverse() : lines;
  return result(workspaceId === null ? undefined : chainBreak(workspaceId, oldestFirst));
}
