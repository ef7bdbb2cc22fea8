import { expect } from 'vitest';

/** A browser-like console client: keeps the session cookie and sends the CSRF token on writes. */
export class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.csrf && options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await response.text();
    const parsed = (text === '' ? {} : JSON.parse(text)) as T & { csrfToken?: string };
    if (typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async login(email: string, password: string): Promise<Record<string, unknown>> {
    const res = await this.call('POST', '/auth/login', { email, password });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }
}
