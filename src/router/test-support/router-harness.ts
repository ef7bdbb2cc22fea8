import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { afterEach, beforeEach } from 'vitest';
import type { MockServer } from '../../../test/support/mock-server.js';
import { Keys } from '../../core/crypto/keys.js';
import type { DeliveryItem, DestinationType } from '../../destinations/destination.js';
import { createDestinationHttp, type DestinationHttpClient } from '../../destinations/http/destination-http.js';
import { destinationType } from '../../destinations/registry.js';
import { SqliteQueue } from '../../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { Router } from '../router.js';

/** The router tests' workspace, logger, keys and retry policy (fast retries: 50 ms doubling to 200 ms). */
export const WORKSPACE = 'ws_router_test';
export const logger = pino({ level: 'silent' });
export const keys = new Keys('router-test-secret-key-0123456789abcdef');
export const fastRetries = { baseDelayMs: 50, maxDelayMs: 200, windowMs: 60_000 };

/** A destination type of the router tests: records what deliver() receives; `mode: "http"` sends through the guarded client. */
export function recorderType(): DestinationType<{ url?: string; mode?: string }> & { received: DeliveryItem[]; closed: number } {
  const state = { received: [] as DeliveryItem[], closed: 0 };
  return Object.assign(state, {
    type: 'recorder',
    displayName: 'Recorder',
    configSchema: Type.Object({ url: Type.Optional(Type.String()), mode: Type.Optional(Type.String()) }),
    secretFields: [],
    maxBatchSize: 10,
    async deliver(items: readonly DeliveryItem[], config: { url?: string; mode?: string }, context: Parameters<DestinationType<unknown>['deliver']>[2]) {
      state.received.push(...items);
      // No try/catch here on purpose: what the guarded client throws reaches the router's lane.
      if (config.mode === 'http') await context.http.send({ method: 'POST', url: config.url!, headers: {}, body: '{}' });
      return { kind: 'ok' as const };
    },
    async close() {
      state.closed += 1;
    },
  });
}

/** What each router test gets afresh: a store and queue on one SQLite file, the guarded HTTP client, the router it starts. */
export interface RouterHarness {
  store: SqlStore;
  queue: SqliteQueue;
  http: DestinationHttpClient;
  /** The router the test started (stopped after the test). */
  router: Router | undefined;
  /** A mock endpoint the test started (closed after the test). */
  mock: MockServer | undefined;
  /** Creates an enabled destination of the workspace. */
  destination(type: string, publicConfig: Record<string, unknown>, sealedSecrets?: string | null): ReturnType<SqlStore['destinations']['create']>;
  /** Queues one track event for the destination (its `queued` row first, as the processor writes it). */
  publish(destinationId: string, messageId: string, sourceId?: string, userId?: string): Promise<void>;
  /** Starts a router with these destination types (the registry's by default) and retry policy. */
  startRouter(types?: (name: string) => DestinationType<unknown> | undefined, policy?: typeof fastRetries, laneMaxPending?: number): Router;
  /** The destination's delivery-log row of the messageId. */
  delivery(destinationId: string, messageId: string): ReturnType<SqlStore['deliveries']['list']> extends Promise<(infer R)[]> ? Promise<R | undefined> : never;
}

/**
 * Registers the router tests' beforeEach (a fresh data directory; no private address allowed, so loopback destinations
 * are refused by the guard) and afterEach (stops and closes everything), and answers the harness they fill in.
 */
export function routerHarness(): RouterHarness {
  let dir = '';
  const h = {
    router: undefined,
    mock: undefined,
    async destination(type, publicConfig, sealedSecrets = null) {
      return h.store.destinations.create({ workspaceId: WORKSPACE, name: `${type}-${Math.random()}`, type, publicConfig, sealedSecrets, sourceIds: null, consentCategories: null, enabled: true });
    },
    async publish(destinationId, messageId, sourceId = 'src_web', userId = 'user-12345') {
      const event = { type: 'track', event: 'Order Completed', userId, messageId, properties: { total: 1 }, context: {}, integrations: {}, timestamp: '2026-11-30T12:00:00.000Z', originalTimestamp: '2026-11-30T12:00:00.000Z', receivedAt: '2026-11-30T12:00:00.000Z', version: 2 };
      await h.store.deliveries.record([{ workspaceId: WORKSPACE, destinationId, messageId, sourceId, status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
      await h.queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId, sourceId, messageId, partitionKey: userId, json: JSON.stringify(event), receivedAt: Date.now() }]);
    },
    startRouter(types = destinationType, policy = fastRetries, laneMaxPending) {
      const router = new Router({ store: h.store, queue: h.queue, keys, http: h.http, logger, policy, types, ...(laneMaxPending !== undefined && { laneMaxPending }) });
      h.router = router;
      void router.reload();
      return router;
    },
    async delivery(destinationId, messageId) {
      const [row] = await h.store.deliveries.list({ workspaceId: WORKSPACE, destinationId, messageId, limit: 1 });
      return row;
    },
  } as RouterHarness;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-router-'));
    const file = path.join(dir, 'sluice.db');
    h.store = await openSqliteStore({ file });
    h.queue = new SqliteQueue(file);
    h.http = createDestinationHttp({ allowPrivate: [] });
  });

  afterEach(async () => {
    await h.router?.stop();
    h.router = undefined;
    await h.mock?.close();
    h.mock = undefined;
    await h.http.close();
    await h.queue.close();
    await h.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  return h;
}
