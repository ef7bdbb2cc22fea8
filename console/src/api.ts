/** A typed client for Sluice's admin API, used by every page. Errors carry the API's code and message. */

import type { AlertKind, AlertResolution } from '../../src/store/destination-alert-repository.js';
import type { PipelineAlertKind, PipelineAlertResolution } from '../../src/store/pipeline-alert-repository.js';
import type { RoleAlertResolution } from '../../src/store/role-alert-repository.js';
import type { DestinationFilter } from './components/filters-field';
import type { Permission } from './permissions';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'sluice.token';
let csrfToken: string | null = null;

/**
 * How this tab is logged in: a console session (httpOnly cookie set by the server, plus its CSRF token held
 * here in memory and re-read from GET /auth/session after a reload), or an API token pasted at login
 * (sessionStorage: gone when the tab closes).
 */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  setCsrf(token: string | null): void {
    csrfToken = token;
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    csrfToken = null;
  },
};

export function authHeaders(method = 'GET'): Record<string, string> {
  const token = session.token;
  if (token) return { authorization: `Bearer ${token}` };
  return csrfToken && method !== 'GET' ? { 'x-csrf-token': csrfToken } : {};
}

function errorOf(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return new ApiError(status, typeof code === 'string' ? code : 'error', typeof message === 'string' ? message : `HTTP ${status}`);
    }
  }
  return new ApiError(status, 'http_error', `The server answered HTTP ${status}.`);
}

/** Listeners told when the server says the token is no longer valid (401), so the shell can log out. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Calls the API and parses its JSON answer; throws ApiError on a non-2xx answer or a network failure. */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(method), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'network_error', `Could not reach Sluice (${error instanceof Error ? error.message : String(error)}). Is it running?`);
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const error = errorOf(response.status, parsed);
    // Only `unauthorized` means the session or token is gone: a wrong two-factor code (also 401) is not.
    if (response.status === 401 && error.code === 'unauthorized' && !path.startsWith('/api/v1/auth/')) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  return parsed as T;
}

/** Fetches plain text (e.g. /metrics). */
export async function apiText(path: string): Promise<string> {
  const response = await fetch(path, { headers: authHeaders() });
  const text = await response.text();
  if (!response.ok) {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    throw errorOf(response.status, body);
  }
  return text;
}

export interface Source {
  id: string;
  name: string;
  writeKey: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A stored event as the API returns it: the Segment event at top level plus its sourceId. */
export type EventView = Record<string, unknown> & {
  messageId?: string;
  type?: string;
  event?: string;
  userId?: string | null;
  anonymousId?: string | null;
  receivedAt?: string;
  timestamp?: string;
  sourceId?: string;
};

export interface EventsPage {
  events: EventView[];
  nextCursor?: string;
}

export interface EventsPerMinute {
  minutes: { at: string; count: number }[];
}

export type RoleName = 'owner' | 'admin' | 'privacy' | 'engineer' | 'viewer';
export const ROLES: readonly RoleName[] = ['owner', 'admin', 'privacy', 'engineer', 'viewer'];

export interface Member {
  id: string;
  email: string;
  name: string;
  role: RoleName;
  status: 'invited' | 'active' | 'suspended';
  hasPassword: boolean;
  mustResetPassword: boolean;
  productEmailsOptOut: boolean;
  deliveryAlertEmailsOptOut: boolean;
  locked: boolean;
  createdAt: string;
  lastLoginAt?: string;
}

export interface PolicyVersion {
  id: string;
  version: number;
  title: string;
  text?: string;
  url?: string;
  effectiveAt: string;
  material: boolean;
  publishedAt: string;
}

/** GET /api/v1/auth/session: who is logged in. */
export interface SessionInfo {
  workspaceId: string;
  role: RoleName;
  /** What the role may do (see `useCan` in permissions.ts). */
  permissions: Permission[];
  actor: string;
  member?: Member;
  csrfToken?: string;
  pendingPolicy?: PolicyVersion;
}

/** Asks the server who this tab is (cookie session or pasted token); undefined when nobody is logged in. */
export async function loadSession(): Promise<SessionInfo | undefined> {
  try {
    const info = await api<SessionInfo>('GET', '/api/v1/auth/session');
    if (info.csrfToken) session.setCsrf(info.csrfToken);
    return info;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** The answer of login, setup, accept-invite and reset-password: the session is open. */
export interface LoginAnswer {
  member: Member;
  workspaceId: string;
  csrfToken: string;
  mustResetPassword: boolean;
  pendingPolicy?: PolicyVersion;
}

/** Calls one of the public /auth endpoints that open a console session, and keeps its CSRF token. */
export async function openSession(path: '/api/v1/auth/login' | '/api/v1/auth/setup' | '/api/v1/auth/accept-invite' | '/api/v1/auth/reset-password', body: Record<string, string>): Promise<LoginAnswer> {
  session.clear();
  const answer = await api<LoginAnswer>('POST', path, body);
  session.setCsrf(answer.csrfToken);
  return answer;
}

/** Ends the console session (and forgets a pasted token). */
export async function logout(): Promise<void> {
  const hadToken = session.token !== null;
  session.clear();
  if (!hadToken) await api('POST', '/api/v1/auth/logout').catch(() => undefined);
}

/** Fetches a file with this tab's credentials and hands it to the browser as a download. */
export async function download(url: string, name: string): Promise<void> {
  const response = await fetch(url, { headers: authHeaders() });
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    throw errorOf(response.status, body);
  }
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export interface Destination {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  sourceIds?: string[];
  consentCategories?: string[];
  /** Destination filters (FQL), in order. */
  filters?: DestinationFilter[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** As the API sends it: the server's own type. */
export type { ConsentCategory } from '../../src/core/consent/consent-category.js';

/** The workspace's delivery alerts (`GET/PUT /api/v1/delivery-alerts/settings`): the server's own type. */
export type { DeliveryAlertSettings } from '../../src/alerts/delivery-alert-settings.js';
/** `GET /api/v1/delivery-alerts/settings`: the settings with the alert webhook, its URL masked. */
export interface DeliveryAlertSettingsView {
  enabled: boolean;
  failurePercent: number;
  /** Minutes the oldest delivery not yet tried may wait before the destination counts as falling behind (1-1440). */
  behindMinutes: number;
  webhook: { url: string; format: AlertWebhookFormat } | null;
}

/** How alerts are posted: a Slack message, Sluice's JSON, or PagerDuty's Events API v2 (incidents triggered and resolved). */
export type AlertWebhookFormat = 'slack' | 'json' | 'pagerduty';

/**
 * `GET/PUT /api/v1/delivery-alerts/destinations/:destinationId`: the thresholds that judge one destination (its own
 * where it set them, else the workspace's), and `own`, the ones it set itself.
 */
export interface DestinationAlertThresholdsView {
  destinationId: string;
  failurePercent: number;
  behindMinutes: number;
  own: { failurePercent?: number; behindMinutes?: number };
}

/** `PUT /api/v1/delivery-alerts/destinations/:destinationId`: a number sets one, null goes back to the workspace's, absent keeps it. */
export interface DestinationAlertThresholdsChange {
  failurePercent?: number | null;
  behindMinutes?: number | null;
}

/** What an episode is about (`failing`, `falling_behind`), and how one ended: the server's own lists. */
export type { AlertKind, AlertResolution };

/** An episode of a destination failing or falling behind, as `GET /api/v1/delivery-alerts` lists it. */
export interface DeliveryAlert {
  id: string;
  destinationId: string;
  /** null when the destination was deleted since. */
  destinationName: string | null;
  kind: AlertKind;
  status: 'open' | 'resolved';
  openedAt: string;
  /** failing: failed attempts in the 15 minutes before it opened (0 for falling_behind). */
  failures: number;
  /** failing: attempts with an outcome in those 15 minutes (0 for falling_behind). */
  attempts: number;
  /** failing: the reason code most of the failures that gave up had ('' when most were retried, and for falling_behind). */
  topReason: string;
  /** failing: the latest failed attempt's error as the delivery log had it when the episode opened (null for falling_behind). */
  lastError: string | null;
  /** falling_behind: deliveries not yet tried when it opened (null for failing). */
  waiting: number | null;
  /** falling_behind: when the oldest of them was queued (null for failing). */
  oldestWaitingAt: string | null;
  /** When the workspace's people were told it began; null while they were not (it opened while the destination's alerts were muted). */
  notifiedAt: string | null;
  resolvedAt: string | null;
  resolution: AlertResolution | null;
  /** Its notices to the workspace's alert webhook. */
  webhookPosts: AlertWebhookPost[];
}

/** An episode's notice to the workspace's alert webhook, as the alert listings show it (`webhookPosts`). */
export interface AlertWebhookPost {
  /** The notice: the opening (failing, falling_behind, processing_behind, role_missing) or the end. */
  notice: string;
  /** pending: tried again at nextAttemptAt; given_up: refused for good, or not taken within an hour. */
  state: 'pending' | 'delivered' | 'given_up';
  format: AlertWebhookFormat;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  finishedAt: string | null;
}

/** A destination whose alerts are muted now, as `GET /api/v1/delivery-alerts/mutes` lists it (and `PUT .../mutes/:destinationId` answers). */
export interface DeliveryAlertMute {
  destinationId: string;
  /** null when the destination was deleted since. */
  destinationName: string | null;
  /** When the mute ends. */
  until: string;
}

/** What an episode of the installation's processing falling behind is about, and how one ended: the server's own lists. */
export type { PipelineAlertKind, PipelineAlertResolution };

/** An episode of the installation's processing falling behind, as `GET /api/v1/pipeline-alerts` lists it. */
export interface PipelineAlert {
  id: string;
  kind: PipelineAlertKind;
  status: 'open' | 'resolved';
  openedAt: string;
  /** Events accepted before this time were still waiting when it opened. */
  waitingSince: string;
  /** Events accepted and not yet processed when it opened. */
  backlog: number;
  resolvedAt: string | null;
  resolution: PipelineAlertResolution | null;
  /** Its notices to this workspace's alert webhook. */
  webhookPosts: AlertWebhookPost[];
}

/** A running Sluice process (`GET /api/v1/processes`). */
export interface SluiceProcess {
  id: string;
  roles: string[];
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  seenAt: string;
}

/** The installation's processes and the roles none of them runs, each with what stops without it. */
export interface ProcessesAnswer {
  processes: SluiceProcess[];
  missingRoles: { role: string; stopped: string }[];
}

export type { RoleAlertResolution };

/** An episode of a role running in no process for 5 minutes or more, as `GET /api/v1/role-alerts` lists it. */
export interface RoleAlertEpisode {
  id: string;
  role: string;
  status: 'open' | 'resolved';
  missingSince: string;
  openedAt: string;
  resolvedAt: string | null;
  resolution: RoleAlertResolution | null;
  /** Its notices to this workspace's alert webhook. */
  webhookPosts: AlertWebhookPost[];
}
