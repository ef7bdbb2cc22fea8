import type { SchemaMigration } from './migration.js';
import { foundation } from './0001-foundation.js';
import { identity } from './0100-identity.js';
import { auditLog } from './0300-audit-log.js';
import { accounts } from './0301-accounts.js';
import { privacyRequests } from './0600-privacy-requests.js';
import { privacy } from './0400-privacy.js';
import { subjectRestrictions } from './0601-subject-restrictions.js';
import { destinations } from './0101-destinations.js';
import { disclosures } from './0700-disclosures.js';
import { twoFactor } from './0800-two-factor.js';
import { requestWorkAndCodes } from './0810-request-work-and-codes.js';
import { destinationFiltersAndCounters } from './0820-destination-filters-and-counters.js';
import { sourceCounters } from './0830-source-counters.js';
import { deliveryLogKeyedByMessage } from './0900-delivery-log-keyed-by-message.js';
import { configVersions } from './0910-config-versions.js';
import { deliveryRetryState } from './0920-delivery-retry-state.js';
import { replays } from './0930-replays.js';
import { replayKinds } from './0931-replay-kinds.js';
import { destinationPauses } from './0940-destination-pauses.js';
import { sourceRejections } from './0950-source-rejections.js';
import { bindingConsentDenials } from './0960-binding-consent-denials.js';
import { deliveryLogKeyedBySource } from './0970-delivery-log-keyed-by-source.js';
import { destinationTombstones } from './0980-destination-tombstones.js';
import { eventPruneMarks } from './0990-event-prune-marks.js';
import { deletionStatusChecks } from './1000-deletion-status-checks.js';
import { rateLimitWindows } from './1010-rate-limit-windows.js';
import { destinationAlerts } from './1020-destination-alerts.js';
import { memberAlertEmails } from './1030-member-alert-emails.js';
import { destinationAlertKinds } from './1040-destination-alert-kinds.js';
import { destinationAlertNotices } from './1050-destination-alert-notices.js';
import { pipelineAlerts } from './1060-pipeline-alerts.js';
import { processHeartbeats } from './1080-process-heartbeats.js';
import { roleAlerts } from './1090-role-alerts.js';
import { roleAlertResolutions } from './1100-role-alert-resolutions.js';
import { processingMarks } from './1110-processing-marks.js';
import { profileMergeRefusals } from './1120-profile-merge-refusals.js';
import { destinationEnabledAt } from './1070-destination-enabled-at.js';
import { sessionActivity } from './1140-session-activity.js';
import { restrictionIdentifierTypes } from './1150-restriction-identifier-types.js';
import { consentBannerTexts } from './1160-consent-banner-texts.js';
import { sourceDrops } from './1170-source-drops.js';
import { requestClosedWithoutDecision } from './1180-request-closed-without-decision.js';
import { tokenReplacements } from './1190-token-replacements.js';
import { requestLanguage } from './1230-request-language.js';
import { alertWebhookPosts } from './1250-alert-webhook-posts.js';
import { subjectEmails } from './1260-subject-emails.js';
import { eventsSubjectIndexes } from './1270-events-subject-indexes.js';

/**
 * Every schema migration in order. Each issue's work adds its own file; names sort in application order.
 */

export const MIGRATIONS: readonly SchemaMigration[] = [foundation, identity, destinations, privacy, auditLog, accounts, privacyRequests, subjectRestrictions, disclosures, twoFactor, requestWorkAndCodes, destinationFiltersAndCounters, sourceCounters, deliveryLogKeyedByMessage, configVersions, deliveryRetryState, replays, replayKinds, destinationPauses, sourceRejections, bindingConsentDenials, deliveryLogKeyedBySource, destinationTombstones, eventPruneMarks, deletionStatusChecks, rateLimitWindows, destinationAlerts, memberAlertEmails, destinationAlertKinds, destinationAlertNotices, pipelineAlerts, destinationEnabledAt, processHeartbeats, roleAlerts, roleAlertResolutions, processingMarks, profileMergeRefusals, sessionActivity, restrictionIdentifierTypes, consentBannerTexts, sourceDrops, requestClosedWithoutDecision, tokenReplacements, requestLanguage, alertWebhookPosts, subjectEmails, eventsSubjectIndexes]
