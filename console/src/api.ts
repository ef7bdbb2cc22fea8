/** A typed client for Sluice's admin API, used by every page. Errors carry the API's code and message. */

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

/** The API token of this browser tab (sessionStorage: gone when the tab closes). */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export function authHeaders(): Record<string, string> {
  const token = session.token;
  return token ? { authorization: `Bearer ${token}` } : {};
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
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    throw errorOf(response.status, parsed);
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
