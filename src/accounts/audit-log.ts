import { ChainVerifier, type AuditEntry, type AuditInput, type ChainBreak } from '../core/audit-entry.js';
import type { AuditRepository } from '../store/store.js';
import { redactSecrets } from './redact-secrets.js';

/** The result of checking the audit chains. */
export interface AuditVerification {
  ok: boolean;
  /** `head`: the last (seq, hash) the log recorded for the workspace, to compare with an export's newest entry. */
  workspaces: { workspaceId: string; entries: number; ok: boolean; head: { seq: number; hash: string } | undefined }[];
  /** The first broken link found (workspaces in id order, entries in seq order). */
  firstBroken: ChainBreak | undefined;
}

const SCAN_PAGE = 1000;

/**
 * The audit trail service: every change made through the API or console is recorded here, in an
 * append-only log whose entries are hash-chained per workspace (hash = sha256 of the canonical JSON of the
 * entry, its prevHash included), so a removed or altered entry is detected by {@link AuditLog.verify}.
 *
 * Before/after summaries pass through {@link redactSecrets}: credential-named fields are stored as
 * `[redacted]`. Recording is not part of the change's own transaction: record right after the change
 * succeeds.
 *
 * @example
 *   import { AuditLog } from '../accounts/audit-log.js';
 *   import { auditContext } from '../api/audit-context.js';
 *   const audit = new AuditLog(store.audit);
 *   await audit.record({ ...auditContext(request), action: 'destination.update', resourceType: 'destination',
 *     resourceId: dest.id, resourceName: dest.name, before: oldConfig, after: newConfig });
 */
export class AuditLog {
  constructor(private readonly repository: AuditRepository) {}

  /** Appends one entry (secrets in before/after redacted) and returns it with its hash. */
  record(input: AuditInput): Promise<AuditEntry> {
    return this.repository.append({
      ...input,
      ...(input.before !== undefined && { before: redactSecrets(input.before) }),
      ...(input.after !== undefined && { after: redactSecrets(input.after) }),
    });
  }

  /** Checks the chain of one workspace, or of every workspace; stops at the first broken link. */
  async verify(workspaceId?: string): Promise<AuditVerification> {
    const ids = workspaceId !== undefined ? [workspaceId] : await this.repository.workspaceIds();
    const workspaces: AuditVerification['workspaces'] = [];
    for (const id of ids) {
      const verifier = new ChainVerifier(id);
      let afterSeq = 0;
      for (;;) {
        const page = await this.repository.scan(id, afterSeq, SCAN_PAGE);
        for (const entry of page) if (!verifier.push(entry)) break;
        if (verifier.broken || page.length < SCAN_PAGE) break;
        afterSeq = page[page.length - 1]!.seq;
      }
      const head = await this.repository.head(id);
      const broken = verifier.finish(head);
      workspaces.push({ workspaceId: id, entries: verifier.checked, ok: broken === undefined, head: head && { seq: head.seq, hash: head.hash } });
      if (broken) return { ok: false, workspaces, firstBroken: broken };
    }
    return { ok: true, workspaces, firstBroken: undefined };
  }
}
