import type { Kysely } from 'kysely';
import type { Store } from '../store.js';
import type { QueuedDeliveries } from './queued-deliveries.js';
import { SqlDisclosureRepository } from './sql-disclosure-repository.js';
import type { BulkWrites } from './bulk-writes.js';
import type { Database } from './schema.js';
import { SqlAuditRepository } from './sql-audit-repository.js';
import { SqlConsentRepository } from './sql-consent-repository.js';
import { SqlMemberRepository } from './sql-member-repository.js';
import { SqlPolicyRepository } from './sql-policy-repository.js';
import { SqlSessionRepository } from './sql-session-repository.js';
import { SqlDeliveryRepository } from './sql-delivery-repository.js';
import { SqlSourceCounterRepository } from './sql-source-counter-repository.js';
import { SqlDestinationRepository } from './sql-destination-repository.js';
import { SqlEventRepository } from './sql-event-repository.js';
import { SqlIdentityRepository } from './sql-identity-repository.js';
import { SqlPiiInventoryRepository } from './sql-pii-inventory-repository.js';
import { SqlRetentionRepository } from './sql-retention-repository.js';
import { SqlSubjectFlagRepository } from './sql-subject-flag-repository.js';
import { SqlSuppressionRepository } from './sql-suppression-repository.js';
import { SqlInstallationRepository } from './sql-installation-repository.js';
import { SqlConfigVersionRepository } from './sql-config-version-repository.js';
import { SqlReplayRepository } from './sql-replay-repository.js';
import { SqlPrivacyRequestRepository } from './sql-privacy-request-repository.js';
import { SqlSubjectDataRepository } from './sql-subject-data-repository.js';
import { SqlRateLimitRepository } from './sql-rate-limit-repository.js';
import { SqlDestinationAlertRepository } from './sql-destination-alert-repository.js';
import { SqlPipelineAlertRepository } from './sql-pipeline-alert-repository.js';
import { SqlProcessingMarkRepository } from './sql-processing-mark-repository.js';
import { SqlProcessRepository } from './sql-process-repository.js';
import { SqlRoleAlertRepository } from './sql-role-alert-repository.js';
import { SqlAlertWebhookPostRepository } from './sql-alert-webhook-post-repository.js';
import { SqlSourceRepository } from './sql-source-repository.js';
import { SqlSubjectEmailRepository } from './sql-subject-email-repository.js';
import { SqlTokenRepository } from './sql-token-repository.js';
import { SqlTwoFactorRepository } from './sql-two-factor-repository.js';
import { SqlWorkspaceRepository } from './sql-workspace-repository.js';

/** The Store written once in Kysely; the dialect folders only open connections and tune them. */
export class SqlStore implements Store {
  readonly installation: SqlInstallationRepository;
  readonly workspaces: SqlWorkspaceRepository;
  readonly tokens: SqlTokenRepository;
  readonly sources: SqlSourceRepository;
  readonly events: SqlEventRepository;
  readonly identities: SqlIdentityRepository;
  readonly privacyRequests: SqlPrivacyRequestRepository;
  readonly audit: SqlAuditRepository;
  readonly suppressions: SqlSuppressionRepository;
  readonly consent: SqlConsentRepository;
  readonly subjectFlags: SqlSubjectFlagRepository;
  readonly piiInventory: SqlPiiInventoryRepository;
  readonly disclosures: SqlDisclosureRepository;
  readonly retention: SqlRetentionRepository;
  readonly subjectData: SqlSubjectDataRepository;
  readonly members: SqlMemberRepository;
  readonly sessions: SqlSessionRepository;
  readonly twoFactor: SqlTwoFactorRepository;
  readonly policies: SqlPolicyRepository;
  readonly destinations: SqlDestinationRepository;
  readonly deliveries: SqlDeliveryRepository;
  readonly sourceCounters: SqlSourceCounterRepository;
  readonly configVersions: SqlConfigVersionRepository;
  readonly replays: SqlReplayRepository;
  readonly rateLimits: SqlRateLimitRepository;
  readonly destinationAlerts: SqlDestinationAlertRepository;
  readonly pipelineAlerts: SqlPipelineAlertRepository;
  readonly processingMarks: SqlProcessingMarkRepository;
  readonly processes: SqlProcessRepository;
  readonly roleAlerts: SqlRoleAlertRepository;
  readonly alertWebhookPosts: SqlAlertWebhookPostRepository;
  readonly subjectEmails: SqlSubjectEmailRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    /** The dialect's faster bulk writes for the pipeline's hot path (SQLite); without them, Kysely queries. */
    bulk?: BulkWrites,
    /** Where the delivery log lives when not in `db` (SQLite: a file of its own, delivery-log-file.ts). */
    private readonly deliveryLog?: Kysely<Database>,
    /** Flushes commits made without a flush (the embedded store opened for pipeline progress); else none. */
    private readonly flusher?: { flush(): Promise<void>; close(): void },
    /** Where the delivery log reads `queued` from the delivery queue (decision 0108: the embedded queue); else none. */
    private readonly queued?: QueuedDeliveries,
  ) {
    this.installation = new SqlInstallationRepository(db);
    this.workspaces = new SqlWorkspaceRepository(db);
    this.tokens = new SqlTokenRepository(db);
    this.sources = new SqlSourceRepository(db);
    this.events = new SqlEventRepository(db, bulk);
    this.identities = new SqlIdentityRepository(db);
    this.privacyRequests = new SqlPrivacyRequestRepository(db);
    this.audit = new SqlAuditRepository(db);
    this.suppressions = new SqlSuppressionRepository(db);
    this.consent = new SqlConsentRepository(db);
    this.subjectFlags = new SqlSubjectFlagRepository(db);
    this.piiInventory = new SqlPiiInventoryRepository(db);
    this.disclosures = new SqlDisclosureRepository(db);
    this.deliveries = new SqlDeliveryRepository(deliveryLog ?? db, bulk, queued);
    this.retention = new SqlRetentionRepository(db, this.deliveries);
    this.subjectData = new SqlSubjectDataRepository(db, this.deliveries, deliveryLog, queued);
    this.members = new SqlMemberRepository(db);
    this.sessions = new SqlSessionRepository(db);
    this.twoFactor = new SqlTwoFactorRepository(db);
    this.policies = new SqlPolicyRepository(db);
    this.destinations = new SqlDestinationRepository(db);
    this.sourceCounters = new SqlSourceCounterRepository(db, bulk);
    this.configVersions = new SqlConfigVersionRepository(db);
    this.replays = new SqlReplayRepository(db);
    this.rateLimits = new SqlRateLimitRepository(db);
    this.destinationAlerts = new SqlDestinationAlertRepository(db);
    this.pipelineAlerts = new SqlPipelineAlertRepository(db);
    this.processingMarks = new SqlProcessingMarkRepository(db);
    this.processes = new SqlProcessRepository(db);
    this.roleAlerts = new SqlRoleAlertRepository(db);
    this.alertWebhookPosts = new SqlAlertWebhookPostRepository(db);
    this.subjectEmails = new SqlSubjectEmailRepository(db);
  }

  async flushWrites(): Promise<void> {
    await this.flusher?.flush();
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.deliveryLog?.destroy();
    await this.queued?.close();
    this.flusher?.close();
  }
}
