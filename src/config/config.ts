import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';
import path from 'node:path';
import { closest } from '../core/edit-distance.js';
import { SluiceError } from '../core/errors.js';

/**
 * Sluice's whole configuration, read once from the environment at boot (this folder is the only place that
 * reads `process.env`), validated, then deep-frozen and passed down.
 */
export interface SluiceConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly queueUrl: string | undefined;
  readonly queuePrefix: string;
  /** JetStream stream replicas (scale mode): 1 on one NATS server, 3 on a three-node cluster. */
  readonly queueReplicas: number;
  /** JetStream ack wait (scale mode): a message a dead process held is redelivered after this long. */
  readonly queueAckWaitMs: number;
  /** PostgreSQL connections per process and thread (scale mode). */
  readonly databasePoolSize: number;
  readonly secretKey: string | undefined;
  /**
   * SLUICE_ACCEPT_NEW_SECRET_KEY=true: start with a secret key other than the one the installation's secrets were
   * sealed with (the old one is lost); those secrets stay unreadable and must be entered again. Otherwise such a
   * start is refused (`secret_key_mismatch`).
   */
  readonly acceptNewSecretKey: boolean;
  /**
   * SLUICE_ACCEPT_NEW_QUEUE_PREFIX=true: start with a SLUICE_QUEUE_PREFIX other than the one the installation recorded
   * (moving it to new streams on purpose); otherwise such a start is refused (`invalid_config`).
   */
  readonly acceptNewQueuePrefix: boolean;
  readonly allowPrivateDestinations: readonly string[];
  /**
   * Embedded mode: where the inbox's group commits run (SLUICE_INBOX_WRITER): `main` (default), the thread that
   * parses requests; `thread`, a writer thread, so parsing goes on during the fsync, worth it on a disk with
   * slow fsyncs (decision 0002).
   */
  readonly inboxWriter: InboxWriter;
  /** Unprocessed inbox events above which ingest answers 503 with Retry-After. */
  readonly maxBacklog: number;
  /** Tracking API requests per second per source above which ingest answers 429 (0 = unlimited). */
  readonly rateLimitPerSource: number;
  /** How long the router retries a failing delivery before marking it failed (SLUICE_RETRY_WINDOW_SECONDS, default 4 h). */
  readonly deliveryRetryWindowMs: number;
  /**
   * First wait before asking a tool that took a deletion as an asynchronous job whether it is done, then as long
   * again as the job has run, at most a day (SLUICE_DELETION_STATUS_CHECK_SECONDS, default 1 h).
   */
  readonly deletionStatusCheckMs: number;
  /** How long per-minute source and delivery counters are kept (SLUICE_COUNTERS_RETENTION_HOURS, default 25). */
  readonly countersRetentionMs: number;
  /** How often the jobs role checks destinations for delivery alerts (SLUICE_DELIVERY_ALERT_CHECK_SECONDS, default 60). */
  readonly deliveryAlertCheckMs: number;
  /**
   * Events accepted this long ago and still not processed make the jobs role alert every workspace that processing is
   * behind (SLUICE_PROCESSING_ALERT_MINUTES, default 10, 1-1440).
   */
  readonly processingAlertMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Request header carrying the visitor's ISO country code, set by the deployment's proxy (e.g.
   * `cf-ipcountry`); used to pick a per-region consent model (SLUICE_COUNTRY_HEADER, default none).
   */
  readonly countryHeader: string | undefined;
  /**
   * SLUICE_TRUSTED_PROXIES: the addresses (IPs, CIDRs, or `loopback`, `linklocal`, `uniquelocal`) whose
   * X-Forwarded-For and X-Forwarded-Proto are believed; empty: none. Default `loopback` (a reverse proxy on the
   * same machine). Anyone else's forwarding headers are ignored: the client address they claim would otherwise
   * be stored with events and would defeat the per-address limits.
   */
  readonly trustedProxies: readonly string[];
  /** Roles this process runs. */
  readonly roles: readonly Role[];
  /**
   * SMTP server for outgoing email (SLUICE_SMTP_URL: `smtp://user:pass@host:587` or `smtps://...:465`). Unset:
   * development mode, where emails go to the log and the outbox (`GET /api/v1/outbox`) instead.
   */
  readonly smtpUrl: string | undefined;
  /** The From address of outgoing email (SLUICE_MAIL_FROM, e.g. `Sluice <sluice@example.com>`); required with SMTP. */
  readonly mailFrom: string;
  /**
   * The waits between retries of an email to a data subject the mail server did not take (decision 0802); no variable
   * sets it: tests give shorter ones through `loadConfig`'s overrides. Default `SUBJECT_EMAIL_RETRY_DELAYS_MS`.
   */
  readonly subjectEmailRetryDelaysMs?: readonly number[];
}

export const ROLES = ['ingest', 'processor', 'router', 'jobs', 'api'] as const;
export type Role = (typeof ROLES)[number];

type Env = Readonly<Record<string, string | undefined>>;

export const INBOX_WRITERS = ['main', 'flush', 'thread'] as const;
export type InboxWriter = (typeof INBOX_WRITERS)[number];

function inboxWriter(raw: string | undefined): InboxWriter {
  if (raw === undefined || raw === '') return 'main';
  const known = INBOX_WRITERS.find((w) => w === raw);
  if (known) return known;
  throw new SluiceError('invalid_config', `SLUICE_INBOX_WRITER=${raw} is not valid: use "main" (the default), "flush" or "thread".`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  // Blank counts as unset; only plain decimal digits are a number (Number() reads ' ' as 0 and '0x1F' as 31).
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SluiceError('invalid_config', `${name}=${raw} is not valid: expected an integer from ${min} to ${max}.`);
  }
  return value;
}

function parseRoles(raw: string | undefined): Role[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...ROLES];
  const roles = raw.split(',').map((r) => r.trim());
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new SluiceError('invalid_config', `SLUICE_ROLES (or sluice start --role) "${raw}": unknown role "${role}": expected a comma-separated list of ${ROLES.join(', ')}, or all.`);
    }
  }
  return [...new Set(roles)] as Role[];
}

/** The public URL when SLUICE_PUBLIC_URL is unset: this process's own address. */
export function defaultPublicUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function parsePublicUrl(raw: string | undefined, host: string, port: number): string {
  if (raw === undefined || raw.trim() === '') return defaultPublicUrl(host, port);
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new SluiceError('invalid_config', `SLUICE_PUBLIC_URL="${raw}" is not valid: use the absolute http(s) URL people and browsers reach Sluice at, e.g. https://sluice.example.com (no query, fragment or credentials).`);
  }
  return raw.trim().replace(/\/+$/, '');
}

/** Every variable this folder reads; `SLUICE_*` variables not among them are reported by `unknownVariables`. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'SLUICE_DATA_DIR',
  'SLUICE_ADMIN_TOKEN',
  'SLUICE_PUBLIC_URL',
  'SLUICE_DATABASE_URL',
  'SLUICE_QUEUE_URL',
  'SLUICE_QUEUE_PREFIX',
  'SLUICE_QUEUE_REPLICAS',
  'SLUICE_QUEUE_ACK_WAIT_MS',
  'SLUICE_DATABASE_POOL_SIZE',
  'SLUICE_SECRET_KEY',
  'SLUICE_ACCEPT_NEW_SECRET_KEY',
  'SLUICE_ACCEPT_NEW_QUEUE_PREFIX',
  'SLUICE_ALLOW_PRIVATE_DESTINATIONS',
  'SLUICE_INBOX_WRITER',
  'SLUICE_MAX_BACKLOG',
  'SLUICE_RATE_LIMIT_PER_SOURCE',
  'SLUICE_RETRY_WINDOW_SECONDS',
  'SLUICE_DELETION_STATUS_CHECK_SECONDS',
  'SLUICE_COUNTERS_RETENTION_HOURS',
  'SLUICE_DELIVERY_ALERT_CHECK_SECONDS',
  'SLUICE_PROCESSING_ALERT_MINUTES',
  'SLUICE_LOG_LEVEL',
  'SLUICE_COUNTRY_HEADER',
  'SLUICE_TRUSTED_PROXIES',
  'SLUICE_ROLES',
  'SLUICE_SMTP_URL',
  'SLUICE_MAIL_FROM',
] as const;

/**
 * `SLUICE_*` variables of `env` that Sluice does not read, each as a warning (with the likely intended name):
 * a typo such as SLUICE_DATABSE_URL would otherwise quietly leave the default in place (here: the embedded
 * store). `SLUICE_TEST_*` belong to the test suite.
 */
export function unknownVariables(env: Env = process.env): string[] {
  const known = new Set<string>(CONFIG_VARIABLES);
  return Object.keys(env)
    .filter((name) => name.startsWith('SLUICE_') && !name.startsWith('SLUICE_TEST_') && !known.has(name))
    .sort()
    .map((name) => {
      const meant = closest(name, CONFIG_VARIABLES, 3);
      return `${name} is set but is not a Sluice setting, so it changes nothing${meant ? `: did you mean ${meant}?` : ' (README, "Configuration", lists them).'}`;
    });
}

function queuePrefix(raw: string | undefined): string {
  const prefix = raw || 'sluice';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new SluiceError('invalid_config', `SLUICE_QUEUE_PREFIX="${prefix}" is not valid: use 1-64 letters, digits, _ or - (it names JetStream streams and consumers).`);
  }
  return prefix;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function validateAllowList(raw: string | undefined): string[] {
  if (!raw) return [];
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr, bits] = entry.split('/');
    if (bits === undefined) continue;
    const family = isIP(addr ?? '');
    if (family === 0 || !/^\d+$/.test(bits)) {
      throw new SluiceError('invalid_config', `SLUICE_ALLOW_PRIVATE_DESTINATIONS entry "${entry}" is not a host or CIDR.`);
    }
    const most = family === 4 ? 32 : 128;
    if (Number(bits) > most) {
      throw new SluiceError('invalid_config', `SLUICE_ALLOW_PRIVATE_DESTINATIONS entry "${entry}" is not a CIDR: an IPv${family} prefix length is 0 to ${most}.`);
    }
  }
  return entries;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustedProxies(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return ['loopback'];
  if (raw.trim().toLowerCase() === 'none') return [];
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const valid = PROXY_NAMES.has(entry.toLowerCase()) || (entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry));
    if (!valid) {
      throw new SluiceError('invalid_config', `SLUICE_TRUSTED_PROXIES: "${entry}" is not an IP address, a CIDR or one of loopback, linklocal, uniquelocal (e.g. SLUICE_TRUSTED_PROXIES=10.0.0.0/8,loopback; none trusts no proxy).`);
    }
  }
  return entries.map((e) => (PROXY_NAMES.has(e.toLowerCase()) ? e.toLowerCase() : e));
}

function parseHeaderName(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const name = raw.trim().toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new SluiceError('invalid_config', `SLUICE_COUNTRY_HEADER "${raw}" is not an HTTP header name (e.g. cf-ipcountry).`);
  return name;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A true/false variable: unset or empty is false; anything but true/false/1/0 is refused, naming it. */
function booleanFlag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new SluiceError('invalid_config', `${name} must be true or false (got "${env[name]}").`);
}

/** Reads the configuration from an environment (defaults to `process.env`); throws `invalid_config`. */
export function loadConfig(env: Env = process.env, overrides: Partial<SluiceConfig> = {}): SluiceConfig {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const secretKey = env.SLUICE_SECRET_KEY || undefined;
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new SluiceError('invalid_config', 'SLUICE_SECRET_KEY must be at least 32 characters long.');
  }
  const databaseUrl = env.SLUICE_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SluiceError('invalid_config', 'SLUICE_DATABASE_URL must start with postgres:// (unset it for the embedded SQLite store).');
  }
  const queueUrl = env.SLUICE_QUEUE_URL || undefined;
  if (queueUrl !== undefined && !/^nats:\/\//.test(queueUrl)) {
    throw new SluiceError('invalid_config', 'SLUICE_QUEUE_URL must start with nats:// (unset it for the embedded queues).');
  }
  const logLevel = (env.SLUICE_LOG_LEVEL || 'info') as SluiceConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SluiceError('invalid_config', `SLUICE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  }
  const smtpUrl = env.SLUICE_SMTP_URL || undefined;
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    throw new SluiceError('invalid_config', 'SLUICE_SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465 (unset it to keep emails in the development outbox).');
  }
  const mailFrom = env.SLUICE_MAIL_FROM?.trim() || undefined;
  if (smtpUrl !== undefined && mailFrom === undefined) {
    throw new SluiceError('invalid_config', 'SLUICE_SMTP_URL is set but SLUICE_MAIL_FROM is not: set the sender address, e.g. SLUICE_MAIL_FROM="Sluice <sluice@example.com>".');
  }
  if (mailFrom !== undefined && !/^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(mailFrom)) {
    throw new SluiceError('invalid_config', `SLUICE_MAIL_FROM="${mailFrom}" is not an email address: use sluice@example.com or "Sluice <sluice@example.com>".`);
  }
  const config: SluiceConfig = {
    port,
    host,
    dataDir: path.resolve(env.SLUICE_DATA_DIR || './data'),
    adminToken: env.SLUICE_ADMIN_TOKEN || undefined,
    publicUrl: parsePublicUrl(env.SLUICE_PUBLIC_URL, host, port),
    databaseUrl,
    queueUrl,
    queuePrefix: queuePrefix(env.SLUICE_QUEUE_PREFIX),
    queueReplicas: integer(env, 'SLUICE_QUEUE_REPLICAS', 1, 1, 5),
    queueAckWaitMs: integer(env, 'SLUICE_QUEUE_ACK_WAIT_MS', 30_000, 500, 3_600_000),
    databasePoolSize: integer(env, 'SLUICE_DATABASE_POOL_SIZE', 10, 1, 1000),
    secretKey,
    acceptNewSecretKey: booleanFlag(env, 'SLUICE_ACCEPT_NEW_SECRET_KEY'),
    acceptNewQueuePrefix: booleanFlag(env, 'SLUICE_ACCEPT_NEW_QUEUE_PREFIX'),
    allowPrivateDestinations: validateAllowList(env.SLUICE_ALLOW_PRIVATE_DESTINATIONS),
    inboxWriter: inboxWriter(env.SLUICE_INBOX_WRITER),
    maxBacklog: integer(env, 'SLUICE_MAX_BACKLOG', 1_000_000, 1, 1_000_000_000),
    rateLimitPerSource: integer(env, 'SLUICE_RATE_LIMIT_PER_SOURCE', 0, 0, 10_000_000),
    deliveryRetryWindowMs: integer(env, 'SLUICE_RETRY_WINDOW_SECONDS', 4 * 3600, 1, 30 * 24 * 3600) * 1000,
    deletionStatusCheckMs: integer(env, 'SLUICE_DELETION_STATUS_CHECK_SECONDS', 3600, 1, 24 * 3600) * 1000,
    countersRetentionMs: integer(env, 'SLUICE_COUNTERS_RETENTION_HOURS', 25, 1, 24 * 90) * 3600_000,
    deliveryAlertCheckMs: integer(env, 'SLUICE_DELIVERY_ALERT_CHECK_SECONDS', 60, 1, 3600) * 1000,
    processingAlertMs: integer(env, 'SLUICE_PROCESSING_ALERT_MINUTES', 10, 1, 1440) * 60_000,
    logLevel,
    countryHeader: parseHeaderName(env.SLUICE_COUNTRY_HEADER),
    trustedProxies: parseTrustedProxies(env.SLUICE_TRUSTED_PROXIES),
    roles: parseRoles(env.SLUICE_ROLES),
    smtpUrl,
    mailFrom: mailFrom ?? 'Sluice <sluice@localhost>',
    ...overrides,
  };
  if (config.databaseUrl && !config.secretKey) {
    throw new SluiceError('invalid_config', 'Scale mode (SLUICE_DATABASE_URL) needs SLUICE_SECRET_KEY (32+ characters); Sluice will not run with secrets unprotected.');
  }
  // Embedded queues are a file in this process's data dir (one process per directory): on a shared PostgreSQL store, a
  // process running only some roles would accept events (or publish delivery jobs) into a queue no other process reads.
  if (config.databaseUrl && !config.queueUrl && config.roles.length < ROLES.length) {
    throw new SluiceError(
      'invalid_config',
      `SLUICE_DATABASE_URL is set but SLUICE_QUEUE_URL is not, and this process runs only the roles ${config.roles.join(', ')}: its queues would be a file in its own data directory (${config.dataDir}) that no other process reads, so events it accepted would never be processed, nor delivery jobs delivered. Set SLUICE_QUEUE_URL (and SLUICE_QUEUE_PREFIX) to the NATS JetStream the installation's other processes use, or run every role in this one process (SLUICE_ROLES=all).`,
    );
  }
  return deepFreeze(config);
}
