/** A tiny admin API client for tests: JSON in, status + JSON (or text) out. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    // NDJSON or text: keep the raw text
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** The admin API as the owner of a test Sluice: `call('POST', '/destinations', body)`. */
export function ownerApi(sluice: { url: string; token: string }) {
  return <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => api<T>(sluice.url, method, path, { token: sluice.token, ...(body !== undefined && { body }) });
}

/** `Authorization: Basic` for a source writeKey (Segment's HTTP API: the writeKey as user name, no password). */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** Sends one call to the Tracking API (`/v1/track`, `/v1/batch`, ...) with a writeKey; fails the test unless it is accepted. */
export async function sendTracking(baseUrl: string, writeKey: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey), ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /v1/${path} answered ${response.status}: ${text}`);
}
