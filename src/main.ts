import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { bootstrap, type BootstrapResult } from './accounts/bootstrap.js';
import type { ApiExtension } from './api/api-plugin.js';
import { pipelineApi } from './api/pipeline-api.js';
import type { SluiceConfig } from './config/config.js';
import { SluiceError } from './core/errors.js';
import { Keys } from './core/crypto/keys.js';
import { consoleRoutes } from './http/console-routes.js';
import { buildHttpServer } from './http/http-server.js';
import { closeHttpServer } from './http/close-http-server.js';
import { Backpressure } from './ingest/backpressure.js';
import { RateLimiter } from './ingest/rate-limiter.js';
import { SourceResolver } from './ingest/source-resolver.js';
import { Metrics } from './observability/metrics.js';
import { CounterBuffer } from './observability/counter-buffer.js';
import { CountersPruner } from './observability/counters-pruner.js';
import { DeliveryAlerts } from './alerts/delivery-alerts.js';
import { RoleAlerts } from './alerts/role-alerts.js';
import { ProcessingAlerts } from './alerts/processing-alerts.js';
import { createMailer } from './mail/create-mailer.js';
import type { Mailer } from './mail/mailer.js';
import { privacyRequestsApi } from './api/privacy-requests-api.js';
import { FailedDeliveryRetry } from './processor/failed-delivery-retry.js';
import { controllerProfileOf } from './core/privacy/disclosure-profile.js';
import { consentCategoriesOf } from './privacy/privacy-config.js';
import { RequestService } from './privacy/requests/request-service.js';
import { InboxPublisher } from './privacy/requests/inbox-publisher.js';
import type { ExecutorPorts } from './privacy/requests/ports.js';
import { auditSink, consentPort, suppressionPort } from './privacy/requests/privacy-ports.js';
import { DestinationDeletionTargets } from './privacy/requests/destination-deletion-targets.js';
import { SubjectIntake } from './privacy/requests/subject-intake.js';
import { SubjectNotices } from './privacy/requests/subject-notices.js';
import { PrivacyTeamMail } from './privacy/requests/privacy-team-mail.js';
import { TeamFollowUpNotices } from './privacy/requests/team-follow-up-notices.js';
import { GivenUpEmailNotice } from './privacy/requests/given-up-email-notice.js';
import { SubjectEmailOutbox } from './privacy/requests/subject-email-outbox.js';
import { SubjectEmailSender } from './privacy/requests/subject-email-sender.js';
import { SubjectNewLinks } from './privacy/requests/subject-new-links.js';
import { subjectRequestRoutes } from './privacy/requests/subject-request-routes.js';
import { createDestinationHttp } from './destinations/http/destination-http.js';
import { AlertWebhook } from './alerts/alert-webhook.js';
import { alertWebhookOf } from './alerts/delivery-alert-settings.js';
import { AlertWebhookOutbox } from './alerts/alert-webhook-outbox.js';
import { AlertWebhookRetries } from './alerts/alert-webhook-retries.js';
import { AuditLog } from './accounts/audit-log.js';
import { RequestExecutor } from './privacy/requests/request-executor.js';
import { consentBannerRoutes } from './privacy/consent-banner/consent-banner-routes.js';
import type { DeliveryQueue, Queue } from './queue/queue.js';
import { openDeliveryQueue, openQueue, openStore } from './runtime/backends.js';
import { ChangeFeed } from './runtime/change-feed.js';
import { createLogger } from './runtime/logger.js';
import { NatsChangeRelay } from './runtime/nats-change-relay.js';
import { DataDirLock } from './runtime/data-dir-lock.js';
import { checkSecretKey, resolveSecretKey } from './runtime/secret-key.js';
import { ProcessHeartbeat } from './runtime/process-heartbeat.js';
import { StoreProbe } from './runtime/store-probe.js';
import { checkQueuePrefix } from './runtime/queue-prefix-check.js';
import { WorkerHost } from './runtime/worker-host.js';
import type { SqlStore } from './store/sql/sql-store.js';
import { consentApi } from './api/consent-api.js';
import { suppressionsApi } from './api/suppressions-api.js';
import { piiApi } from './api/pii-api.js';
import { publicConsentRoutes } from './privacy/consent/public-consent-routes.js';
import { createPrivacyServices, type PrivacyServices } from './privacy/privacy-services.js';
import { RetentionSweeper } from './privacy/retention/retention-sweeper.js';
import { createReportService, listRecipients } from './privacy/reports/create-report-service.js';
import { disclosuresApi } from './api/disclosures-api.js';
import { reportsApi } from './api/reports-api.js';
import { sealSecretsStoredInClear } from './destinations/destination-secrets.js';
import { destinationType } from './destinations/registry.js';
import { moveQueueOutOfStore } from './queue/sqlite/move-queue-out-of-store.js';
import { deliveryLogFileOf } from './store/sqlite/delivery-log-file.js';
import { sqliteFile, sqliteQueueFile } from './store/sqlite/sqlite-database.js';
import { setAsideStaleWal } from './store/sqlite/stale-wal.js';
import { CHECKPOINT_INTERVAL_MS, WalCheckpointer } from './store/sqlite/wal-checkpointer.js';
import { CHECKPOINTER_THREAD_NICE } from './runtime/thread-priority.js';

export interface Sluice {
  readonly config: SluiceConfig;
  /** The URL the HTTP server listens on (with the real port when PORT=0). */
  readonly url: string;
  readonly store: SqlStore;
  readonly keys: Keys;
  readonly privacyRequests: RequestService;
  /** Suppression, consent ledger and privacy configuration (src/privacy/privacy-services.ts). */
  readonly privacy: PrivacyServices;
  readonly bootstrap: BootstrapResult;
  /** Outgoing email: SMTP when SLUICE_SMTP_URL is set, else the development outbox (src/mail). */
  readonly mailer: Mailer;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** How long `/health` reuses its last answer from the store, and how long it waits for one (StoreProbe). */
const STORE_PROBE_MAX_AGE_MS = 2_000;
const STORE_PROBE_TIMEOUT_MS = 3_000;

/** How long, on PostgreSQL, a first start left half way must have shown no heartbeat before another start finishes it. */
const BOOTSTRAP_TAKEOVER_MS = 5_000;

/** How long a stop lets HTTP requests under way finish before their connections are cut (closeHttpServer). */
const HTTP_CLOSE_GRACE_MS = 5_000;

/** The stage workers of each role, as modules next to their stage. */
function workerUrl(stage: 'processor' | 'router' | 'replay'): URL {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./${stage}/${stage}.worker.${extension}`, import.meta.url);
}

/** A failure to listen told in a sentence naming PORT and HOST (a stack trace says nothing to an operator). */
function listenError(error: unknown, config: SluiceConfig): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${config.host}:${config.port} (HOST=${config.host}, PORT=${config.port})`;
  const why: Record<string, string> = {
    EADDRINUSE: `another program (or another Sluice) is already listening there: stop it or choose another PORT`,
    EACCES: `not allowed: ports below 1024 need privileges; choose a PORT from 1024 up, or let a reverse proxy listen on the low port`,
    EADDRNOTAVAIL: `this machine has no such address: set HOST to one of its addresses, 127.0.0.1, or 0.0.0.0 for all`,
    ENOTFOUND: `HOST is not a name this machine can resolve: set it to an address such as 127.0.0.1 or 0.0.0.0`,
    EAI_AGAIN: `HOST could not be resolved (DNS did not answer): set it to an address such as 127.0.0.1 or 0.0.0.0`,
  };
  if (typeof code !== 'string' || !why[code]) return error;
  return new SluiceError('invalid_config', `Cannot listen on ${where}: ${why[code]}.`);
}

/** What `startSluice` accepts besides the configuration. */
export interface StartOptions {
  apiExtensions?: readonly ApiExtension[];
  /**
   * Called as soon as this process has initialised the installation (first start only), before the rest of
   * the start: the owner token and setup link exist from then on and are never generated again, so they must
   * be shown even if the start then fails (a port in use, NATS down).
   */
  onFirstStart?: (boot: BootstrapResult) => void;
  /**
   * Called when a stage worker stopped on a configuration that cannot work (`invalid_config` raised in the
   * worker, e.g. SLUICE_QUEUE_REPLICAS above what the NATS servers hold, found only when the worker opens its
   * queue): the worker is not restarted. `sluice start` shuts down and exits 2, as for a bad setting found at start.
   */
  onConfigError?: (error: SluiceError) => void;
}

/**
 * Starts Sluice with the roles of `config.roles`, in order: secret key, store (migrated), bootstrap,
 * queue, stage workers, HTTP. `close()` stops them in reverse.
 * On embedded files (SQLite store or queues in the data directory) it first takes the data directory's lock
 * (`DataDirLock`, decision 0006): one Sluice per data directory; released at close, or when the start fails.
 */
export async function startSluice(config: SluiceConfig, options: StartOptions = {}): Promise<Sluice> {
  const logger = createLogger(config, 'sluice');
  const lock = !config.databaseUrl || !config.queueUrl ? DataDirLock.acquire(config.dataDir, logger) : undefined;
  let sluice: Sluice;
  try {
    // Ours alone now: write-ahead logs a restore left next to the restored files (they are another file's) go aside.
    if (lock) setAsideStaleWals(config, logger);
    sluice = await startRoles(config, options, logger);
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (!lock) return sluice;
  const close = sluice.close;
  return Object.assign(sluice, {
    async close() {
      try {
        await close();
      } finally {
        lock.release();
      }
    },
  });
}

/** The embedded files of this data dir (while its lock is held): a write-ahead log that is not theirs is moved aside, loudly. */
function setAsideStaleWals(config: SluiceConfig, logger: Logger): void {
  const files = [...(config.databaseUrl ? [] : [sqliteFile(config.dataDir), deliveryLogFileOf(sqliteFile(config.dataDir))]), ...(config.queueUrl ? [] : [sqliteQueueFile(config.dataDir)])];
  for (const file of files) {
    const moved = setAsideStaleWal(file);
    if (moved.length > 0) logger.warn({ file, movedTo: moved }, 'set aside a write-ahead log that does not belong to this database file (left from before a restore); the restored file is used as it is');
  }
}

async function startRoles(config: SluiceConfig, options: StartOptions, logger: Logger): Promise<Sluice> {
  const roles = new Set(config.roles);
  const keys = new Keys(resolveSecretKey(config));
  const store = await openStore(config, { migrate: true, logger });
  let boot: BootstrapResult;
  try {
    await checkSecretKey(store.installation, keys, config, logger);
    boot = await bootstrap(store, config.adminToken, {
      // Embedded, this process holds the data directory alone; on PostgreSQL another may be starting now: it is
      // waited for while its heartbeat (every 0.5 s) moves, and taken over once it has stood still for 5 s.
      takeOverAfterMs: config.databaseUrl ? BOOTSTRAP_TAKEOVER_MS : 0,
      onResumed: () => logger.warn('the first start of this installation stopped half way, before it showed an owner token; finishing it now (a new owner token follows)'),
    });
    if (boot.firstStart) options.onFirstStart?.(boot);
    await checkQueuePrefix(store.installation, config, { firstStart: boot.firstStart, logger });
  } catch (error) {
    await store.close();
    throw error;
  }
  if (!config.queueUrl) {
    // Embedded: an earlier version kept the queues in the store file; they live in queue.db now.
    const moved = await moveQueueOutOfStore(config.dataDir);
    if (moved.events + moved.jobs > 0) logger.info(moved, 'moved the queued events and delivery jobs to queue.db');
  }
  // The embedded files' checkpoints run on a thread of their own, not inside the pipeline's commits.
  const embeddedFiles = [...(config.databaseUrl ? [] : [sqliteFile(config.dataDir), deliveryLogFileOf(sqliteFile(config.dataDir))]), ...(config.queueUrl ? [] : [sqliteQueueFile(config.dataDir)])];
  const checkpointer = embeddedFiles.length > 0 ? new WalCheckpointer({ files: embeddedFiles, intervalMs: CHECKPOINT_INTERVAL_MS, ...(roles.has('ingest') && { nice: CHECKPOINTER_THREAD_NICE }) }, logger) : undefined;
  await checkpointer?.start();
  // Secrets an earlier version kept in the clear config (webhook headers before they became secret, URL query values and credentials).
  const resealed = await sealSecretsStoredInClear(store.destinations, destinationType, keys);
  if (resealed > 0) logger.info({ destinations: resealed }, 'sealed secret config fields and URL parts an earlier version stored in the clear');
  const mailer = createMailer(config, logger);
  const changes = new ChangeFeed({ versions: store.configVersions });
  const relay = config.queueUrl ? await NatsChangeRelay.start({ url: config.queueUrl, prefix: config.queuePrefix, feed: changes, logger }) : undefined;
  const sources = new SourceResolver(store.sources);
  const privacy = createPrivacyServices({ store, keys, changes });
  const privacyApi: ApiExtension = async (app) => {
    await app.register(consentApi, { store, privacy });
    await app.register(suppressionsApi, { privacy });
    await app.register(piiApi, { store, privacy });
    await app.register(disclosuresApi, { store, audit: new AuditLog(store.audit), listRecipients: (workspaceId) => listRecipients(store, workspaceId) });
    await app.register(reportsApi, { reports: createReportService(store, privacy.config) });
  };
  changes.subscribe((topic) => topic === 'sources' && sources.invalidate());

  let queue: Queue | undefined;
  let backpressure: Backpressure | undefined;
  let sourceCounters: CounterBuffer | undefined;
  if (roles.has('ingest')) {
    queue = await openQueue(config);
    const q = queue;
    backpressure = new Backpressure(() => q.inboxBacklog(), config.maxBacklog, () => q.unavailable());
    backpressure.start();
    // Never waits for the store's write lock: this thread answers the Tracking API (a busy store keeps the counts a second).
    sourceCounters = new CounterBuffer((rows) => store.sourceCounters.add(rows, { wait: false }), {
      writeRejections: (rows) => store.sourceCounters.saveRejections(rows),
      onError: (error) => logger.warn({ err: error }, 'could not write source counters; kept for the next try'),
    });
    sourceCounters.start();
  }
  const privacyRequests = new RequestService(store, { audit: auditSink(new AuditLog(store.audit)), logError: (error) => logger.error({ err: error }, 'privacy request listener failed') });
  // Receipt, extension, completion and denial emails to the subject (when the request has an address): written by the
  // process where the step happens, stored before the first attempt, sent and retried by the jobs role (decision 0802).
  // The people who answer privacy requests are emailed when one needs them: an email to the person given up, an
  // objection to decide, a recipient to follow up.
  const privacyTeam = new PrivacyTeamMail({ store, mailer, publicUrl: config.publicUrl, logger });
  const givenUpNotice = new GivenUpEmailNotice(store, privacyTeam);
  const subjectEmails = new SubjectEmailOutbox({
    emails: store.subjectEmails,
    mailer,
    keys,
    requests: privacyRequests,
    logger,
    onGivenUp: (email, error) => givenUpNotice.tell(email, error),
    ...(config.subjectEmailRetryDelaysMs && { retryDelaysMs: config.subjectEmailRetryDelaysMs }),
  });
  const notices = new SubjectNotices({ outbox: subjectEmails, keys, publicUrl: config.publicUrl, logger, consentCategories: async (ws) => consentCategoriesOf((await store.workspaces.get(ws))?.settings ?? {}) });
  privacyRequests.onTransition(notices.listener);
  const teamFollowUps = new TeamFollowUpNotices(privacyTeam);
  privacyRequests.onTransition(teamFollowUps.listener);
  const subjectEmailSender = roles.has('jobs') ? new SubjectEmailSender(subjectEmails, logger) : undefined;
  subjectEmailSender?.start();
  // Manual retries of one delivery publish delivery jobs from the API, and backlogs read the queues (replays run in the jobs role).
  const deliveryQueue: DeliveryQueue | undefined = roles.has('api') ? await openDeliveryQueue(config) : undefined;
  const bp = backpressure;
  const metrics = new Metrics(
    bp && (() => bp.reading()),
    deliveryQueue && (async () => Promise.all((await store.destinations.listAll()).map(async (d) => ({ destinationId: d.id, waiting: await deliveryQueue.waiting(d.id) })))),
  );
  // Deletions reach destinations through the same SSRF guard as deliveries (decision 0200).
  // This process's own calls to outside services (deletions at destinations, alert webhooks), through the SSRF guard.
  const outboundHttp = createDestinationHttp({ allowPrivate: config.allowPrivateDestinations });
  const deletionTargets = new DestinationDeletionTargets({ store, keys, http: outboundHttp, logger });
  // A process running privacy requests without the Tracking API still watches the pipeline's progress (deletions).
  const progressQueue: Queue | undefined = queue ?? (roles.has('jobs') ? await openQueue(config) : undefined);
  const privacyPorts: ExecutorPorts = {
    deletionTargets,
    suppression: suppressionPort(privacy),
    consent: consentPort(privacy),
    ...(queue && { pipeline: new InboxPublisher(queue) }),
    ...(progressQueue && { progress: progressQueue }),
    // Embedded files: an erasure empties their write-ahead logs afterwards (decision 0403).
    ...(checkpointer && { files: checkpointer }),
  };
  let executor: RequestExecutor | undefined;
  if (roles.has('jobs')) {
    const jobs = new RequestExecutor({ store, keys, requests: privacyRequests, logger, ports: privacyPorts, forwardingWindowMs: config.deliveryRetryWindowMs, statusCheckMs: config.deletionStatusCheckMs });
    privacyRequests.onTransition((_request, transition) => {
      if (transition.to === 'processing' && transition.from !== 'processing') jobs.wake();
    });
    jobs.start();
    executor = jobs;
  }
  const countersPruner = roles.has('jobs') ? new CountersPruner(store, config.countersRetentionMs, logger) : undefined;
  countersPruner?.start();
  // Alert webhook posts are kept in the store until delivered or given up (decision 0106): every process that tells
  // alerts (api, jobs) retries the ones due, whichever process noted them.
  const alertWebhook = new AlertWebhookOutbox({ webhook: new AlertWebhook(outboundHttp, keys), posts: store.alertWebhookPosts, keys, webhookOf: async (workspaceId) => alertWebhookOf(await store.workspaces.get(workspaceId)) });
  const alertWebhookRetries = roles.has('api') || roles.has('jobs') ? new AlertWebhookRetries(alertWebhook, logger, (before) => store.alertWebhookPosts.prune(before)) : undefined;
  const deliveryAlerts = roles.has('jobs')
    ? new DeliveryAlerts({ store, mailer, publicUrl: config.publicUrl, logger, intervalMs: config.deliveryAlertCheckMs, retryWindowMs: config.deliveryRetryWindowMs, webhook: alertWebhook })
    : undefined;
  deliveryAlerts?.start();
  // Whether the processors keep up with the inbox: the jobs role watches it through the queue it already opens.
  const processingAlerts = roles.has('jobs') && progressQueue
    ? new ProcessingAlerts({ store, queue: progressQueue, mailer, publicUrl: config.publicUrl, logger, intervalMs: config.deliveryAlertCheckMs, limitMs: config.processingAlertMs, webhook: alertWebhook })
    : undefined;
  processingAlerts?.start();
  // Whether every role runs somewhere: the api and the jobs roles both watch it, since either may be the one missing.
  const roleAlerts = roles.has('api') || roles.has('jobs') ? new RoleAlerts({ store, mailer, publicUrl: config.publicUrl, logger, intervalMs: config.deliveryAlertCheckMs, webhook: alertWebhook }) : undefined;

  const workers: WorkerHost[] = [];
  const onConfigError = (message: string) => options.onConfigError?.(new SluiceError('invalid_config', message));
  if (roles.has('processor')) workers.push(new WorkerHost('processor', workerUrl('processor'), { config }, logger, metrics, onConfigError));
  const router = roles.has('router') ? new WorkerHost('router', workerUrl('router'), { config }, logger, metrics, onConfigError) : undefined;
  if (router) workers.push(router);
  // Replays run in a thread of their own (src/replay/replay.worker.ts); any jobs process carries on one another stopped.
  const replays = roles.has('jobs') ? new WorkerHost('replays', workerUrl('replay'), { config }, logger, metrics, onConfigError) : undefined;
  if (replays) workers.push(replays);
  for (const worker of workers) worker.start();
  // Accepting events needs the processor loaded; the router may finish loading while the first events are
  // processed (its jobs wait in the delivery queue), and the replays thread while the first replay waits.
  await Promise.all(workers.filter((worker) => worker !== router && worker !== replays).map((worker) => worker.ready()));
  let retention: RetentionSweeper | undefined;
  if (roles.has('jobs')) {
    const purged = metrics.counter('sluice_retention_purged_total', 'Stored events deleted and raw IP addresses truncated by the retention sweeper.', ['kind']);
    retention = new RetentionSweeper(store, privacy.config, { intervalMs: 60 * 60_000, batchSize: 500, pauseMs: 50, logger, onPurged: (kind, count) => purged.inc({ kind }, count) });
    retention.start();
  }

  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  const heartbeat = new ProcessHeartbeat(store.processes, [...roles], logger);
  // A scale-mode process without the Tracking API does all its work in PostgreSQL: while it cannot reach it, its
  // /health says so (an ingest process keeps accepting events into JetStream then, so it stays healthy).
  const storeProbe = config.databaseUrl && !roles.has('ingest') ? new StoreProbe(async () => void (await sql`SELECT 1`.execute(store.db)), { maxAgeMs: STORE_PROBE_MAX_AGE_MS, timeoutMs: STORE_PROBE_TIMEOUT_MS }) : undefined;
  const app = await buildHttpServer({
    logger,
    publicUrl: config.publicUrl,
    store,
    metrics,
    changes,
    sources,
    state: () => state,
    trustedProxies: config.trustedProxies,
    // The Tracking API's queue when this process has one; any scale-mode process's NATS connection otherwise.
    unavailable: async () => queue?.unavailable() ?? relay?.unavailable() ?? (await storeProbe?.unavailable()),
    ...(queue && backpressure
      ? { tracking: { queue, sources, backpressure, rateLimiter: new RateLimiter(config.rateLimitPerSource), metrics, countryHeader: config.countryHeader, ...(sourceCounters && { counters: sourceCounters }) } }
      : {}),
    ...(roles.has('api')
      ? { api: { mailer, keys, extensions: [pipelineApi({ store, keys, changes, ...(deliveryQueue ? { queue: deliveryQueue } : {}), allowPrivate: config.allowPrivateDestinations, privacy: { services: privacy, keys } }), ...(options.apiExtensions ?? []), (scope: FastifyInstance) => privacyRequestsApi(scope, { store, requests: privacyRequests, keys, ports: privacyPorts, emails: subjectEmails, ...(deliveryQueue ? { deliveryRetry: new FailedDeliveryRetry({ store, queue: deliveryQueue, privacy: { services: privacy, keys } }) } : {}) }), privacyApi] } }
      : {}),
    plugins: [
      async (app) => publicConsentRoutes(app, { privacy, resolveSource: (writeKey) => sources.resolve(writeKey) }),
      ...(roles.has('api')
        ? [(scope: FastifyInstance) => subjectRequestRoutes(scope, { intake: new SubjectIntake({ store, requests: privacyRequests, keys, mailer, logger }), newLinks: new SubjectNewLinks({ store, requests: privacyRequests, keys, mailer, logger }), resolveSource: (writeKey) => sources.resolve(writeKey), controllerName: async (ws) => controllerProfileOf(await store.disclosures.list(ws))?.controllerName })]
        : []),
      ...(roles.has('ingest') ? [(scope: FastifyInstance) => consentBannerRoutes(scope, { sources, workspaces: store.workspaces, consent: store.consent, publicUrl: config.publicUrl })] : []),
      ...(roles.has('api') ? [(scope: FastifyInstance) => consoleRoutes(scope, { publicUrl: config.publicUrl })] : []),
    ],
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      state = 'stopping';
      await heartbeat.stop();
      await closeHttpServer(app, HTTP_CLOSE_GRACE_MS);
      await executor?.stop();
      await deletionTargets.close();
      await deliveryAlerts?.stop();
      await processingAlerts?.stop();
      await roleAlerts?.stop();
      await alertWebhookRetries?.stop();
      await outboundHttp.close();
      backpressure?.stop();
      await sourceCounters?.stop();
      await countersPruner?.stop();
      await queue?.close();
      if (progressQueue !== queue) await progressQueue?.close();
      await retention?.stop();
      await deliveryQueue?.close();
      await Promise.all(workers.map((w) => w.stop()));
      privacy.close();
      await relay?.stop();
      changes.close();
      await notices.idle();
      await teamFollowUps.idle();
      await subjectEmailSender?.stop();
      await mailer.close();
      await store.close();
      await checkpointer?.close();
    })();
    return closing;
  };
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'could not close everything after failing to listen'));
    throw listenError(error, config);
  }
  state = 'ready';
  heartbeat.start();
  roleAlerts?.start();
  alertWebhookRetries?.start();
  const url = address.replace('0.0.0.0', '127.0.0.1');
  return { config, url, store, keys, privacyRequests, privacy, bootstrap: boot, mailer, app, logger, close };
}
