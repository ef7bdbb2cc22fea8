import type { AuditLog } from '../../accounts/audit-log.js';
import type { PrivacyServices } from '../privacy-services.js';
import type { ConsentPort, SuppressionPort } from './ports.js';
import type { RequestAuditSink } from './request-audit.js';
import { subjectIdentifiers } from './subject.js';


/** The suppression service (src/privacy/suppression) behind the executor's port. */
export function suppressionPort(privacy: PrivacyServices): SuppressionPort {
  return {
    async suppress({ workspaceId, subject, hashed, requestId }) {
      await privacy.suppressions.suppress(workspaceId, subjectIdentifiers(subject), { requestId, hashed });
    },
    unsuppress({ workspaceId, subject, requestId }) {
      return privacy.suppressions.unsuppress(workspaceId, subjectIdentifiers(subject), { requestId });
    },
  };
}

/** More ledger entries than one person has (a choice a page sends on every load for years is far fewer). */
const EVERY_CONSENT_RECORD = 1_000_000;

/** The consent ledger (src/privacy/consent) behind the executor's port. */
export function consentPort(privacy: PrivacyServices): ConsentPort {
  return {
    async deny({ workspaceId, subject, categories, requestId, reason }) {
      const which = reason === 'opt_out' ? 'gpc' : categories.length === 0 ? 'optional' : categories;
      const recorded = await privacy.consent.recordDenial(workspaceId, subjectIdentifiers(subject), which, { source: 'api', requestId });
      return { categories: Object.keys(recorded).filter((k) => recorded[k] === false) };
    },
    history(workspaceId, subject) {
      // Not the console's page of the latest 500: an access export (GDPR 15) holds every record.
      return privacy.consent.history(workspaceId, subjectIdentifiers(subject), EVERY_CONSENT_RECORD);
    },
  };
}

/** Request lifecycle steps into the hash-chained audit log. */
export function auditSink(audit: AuditLog): RequestAuditSink {
  return {
    async record(entry) {
      await audit.record({ workspaceId: entry.workspaceId, actor: entry.actor, action: entry.action, resourceType: 'privacy_request', resourceId: entry.requestId, ...(entry.details && { after: entry.details }), ...(entry.ip !== undefined && { ip: entry.ip }) });
    },
  };
}
