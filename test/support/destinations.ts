import { expect } from 'vitest';
import { ownerApi } from './api-client.js';
import { RecordingServer } from './recording-server.js';

/** A delivery-log row as `GET /api/v1/destinations/:id/deliveries` lists it. */
export interface DeliveryRow {
  messageId: string;
  status: string;
  attempts: number;
  reason?: string;
  lastError?: string;
  updatedAt: string;
  nextAttemptAt?: string;
}

/**
 * Creates a webhook destination through the admin API, pointing at a fresh recording server (added to
 * `servers`, for the suite to close); `config` adds to the URL, `extra` to the destination (filters, consent).
 */
export async function createWebhook(
  sluice: { url: string; token: string },
  servers: RecordingServer[],
  name: string,
  config: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<{ id: string; server: RecordingServer; body: Record<string, unknown> }> {
  const server = await RecordingServer.start();
  servers.push(server);
  const res = await ownerApi(sluice)('POST', '/destinations', { name, type: 'webhook', config: { url: server.url, ...config }, ...extra });
  expect(res.status, res.text).toBe(201);
  return { id: String(res.body.id), server, body: res.body };
}

/** A destination's delivery log (up to 1,000 rows; `query` adds filters such as `&status=failed`). */
export async function deliveriesOf(sluice: { url: string; token: string }, destinationId: string, query = ''): Promise<DeliveryRow[]> {
  return (await ownerApi(sluice)('GET', `/destinations/${destinationId}/deliveries?limit=1000${query}`)).body.deliveries as DeliveryRow[];
}
