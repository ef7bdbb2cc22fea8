import { createHash } from 'node:crypto';

/** The prevHash of the first entry of a workspace's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller records: who did what to which resource, with before/after summaries (already redacted). */
export interface AuditInput {
  workspaceId: string;
  /** Human-readable actor, e.g. `member:mem_... (ada@example.com)`, `token:tok_... (CI) of member:mem_... (ada@example.com)` or `token:tok_... (CI)`. */
  actor: string;
  /** Dotted verb, e.g. `source.create`, `member.suspend`, `privacy_request.complete`. */
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

/** One entry of the append-only, hash-chained audit log. */
export interface AuditEntry {
  /** Position in the workspace's chain, from 1. */
  seq: number;
  id: string;
  workspaceId: string;
  /** Epoch ms. */
  at: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** sha256(canonical JSON of the entry without its own hash, prevHash included), hex. */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, id, workspaceId, at, actor, action, resourceType, resourceId, resourceName, before, after, ip, prevHash } = entry;
  const body = canonicalJson({ seq, id, workspaceId, at, actor, action, resourceType, resourceId, resourceName, before, after, ip, prevHash });
  return createHash('sha256').update(body).digest('hex');
}

/** The first place a chain is broken, or undefined when it is intact. */
export interface ChainBreak {
  workspaceId: string;
  /** The seq of the first entry that fails (or, for a removed tail, the seq that should exist). */
  seq: number;
  entryId: string | null;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'tail_removed';
  message: string;
}

/**
 * Walks one workspace's entries in seq order, carrying the previous hash. `head` is the last
 * (seq, hash) the log recorded separately, so removing the newest entries is detected too.
 */
export class ChainVerifier {
  private prevHash: string;
  private expectedSeq: number;
  checked = 0;
  broken: ChainBreak | undefined;

  /** `from`: where the walk starts when not at the first entry (an export of part of the log): its seq and the hash it links to. */
  constructor(
    readonly workspaceId: string,
    from: { readonly seq: number; readonly prevHash: string } = { seq: 1, prevHash: GENESIS_HASH },
  ) {
    this.expectedSeq = from.seq;
    this.prevHash = from.prevHash;
  }

  /** Feeds the next entry; returns false once the chain is broken (stop feeding). */
  push(entry: AuditEntry): boolean {
    if (this.broken) return false;
    const fail = (reason: ChainBreak['reason'], message: string) => {
      this.broken = { workspaceId: this.workspaceId, seq: entry.seq, entryId: entry.id, reason, message };
      return false;
    };
    if (entry.seq !== this.expectedSeq) {
      return fail('sequence_gap', `Entry ${entry.id} has seq ${entry.seq} but ${this.expectedSeq} was expected: an entry was removed or inserted.`);
    }
    if (entry.prevHash !== this.prevHash) {
      return fail('prev_hash_mismatch', `Entry ${entry.id} (seq ${entry.seq}) does not link to the entry before it: that entry was altered, removed or replaced.`);
    }
    if (auditEntryHash(entry) !== entry.hash) {
      return fail('hash_mismatch', `Entry ${entry.id} (seq ${entry.seq}) was altered after it was written: its content no longer matches its hash.`);
    }
    this.prevHash = entry.hash;
    this.expectedSeq += 1;
    this.checked += 1;
    return true;
  }

  /** Compares the end of the walk with the recorded head. */
  finish(head: { seq: number; hash: string } | undefined): ChainBreak | undefined {
    if (this.broken) return this.broken;
    const lastSeq = this.expectedSeq - 1;
    if (head && (head.seq !== lastSeq || head.hash !== this.prevHash)) {
      this.broken = {
        workspaceId: this.workspaceId,
        seq: lastSeq + 1,
        entryId: null,
        reason: 'tail_removed',
        message: `The log ends at seq ${lastSeq} but its head records seq ${head.seq}: the newest entries were removed or altered.`,
      };
    }
    return this.broken;
  }
}
