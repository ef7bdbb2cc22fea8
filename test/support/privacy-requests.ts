import { expect } from 'vitest';
import { ownerApi } from './api-client.js';
import { eventually } from './start-test-sluice.js';

/**
 * Files a privacy request as the owner, vouched for (`verified: true`), waits until it has ended (up to 60 s),
 * expects it `completed`, and answers its result (the access export, the certificate or the report).
 *
 * @example
 *   const certificate = await completedRequest(sluice, { type: 'delete', subject: { userId: 'ada' } });
 */
export async function completedRequest(sluice: { url: string; token: string }, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const api = ownerApi(sluice);
  const created = await api('POST', '/privacy-requests', { ...body, verified: true });
  expect(created.status, created.text).toBe(201);
  const id = String(created.body.id);
  const done = await eventually(async () => {
    const shown = (await api('GET', `/privacy-requests/${id}`)).body;
    return ['completed', 'failed', 'denied'].includes(String(shown.status)) ? shown : undefined;
  }, 60_000);
  expect(done.status, String(done.failure)).toBe('completed');
  return (await api('GET', `/privacy-requests/${id}/result`)).body;
}
