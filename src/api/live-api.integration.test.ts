import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { liveApi } from './live-api.js';

const WORKSPACE = 'ws_live_test';

let dir: string;
let store: SqlStore;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-live-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
});

afterEach(async () => {
  await app?.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('live tail stream', () => {
  it('lets go of a stream whose client left while it was being prepared (no stream stays open for nobody)', async () => {
    const source = await store.sources.create({ workspaceId: WORKSPACE, name: 'Web' });
    // Reading the backlog takes a moment (a busy store): the client leaves meanwhile, before the stream starts.
    const query = store.events.query.bind(store.events);
    let reads = 0;
    const slowStore = Object.assign(Object.create(store) as SqlStore, {
      events: Object.assign(Object.create(store.events) as SqlStore['events'], {
        query: async (...args: Parameters<SqlStore['events']['query']>) => {
          reads += 1;
          await new Promise((resolve) => setTimeout(resolve, 300));
          return query(...args);
        },
      }),
    });
    const counts: number[] = [];
    app = Fastify();
    app.addHook('onRequest', async (request) => {
      request.principal = { workspaceId: WORKSPACE, role: 'owner', tokenId: null, memberId: null, actor: 'test' };
    });
    await app.register(liveApi, { store: slowStore, onStreams: (open) => counts.push(open) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;

    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    socket.write(`GET /sources/${source.id}/live?backlog=5 HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n`);
    await eventually(async () => (reads > 0 ? true : undefined));
    socket.destroy();

    // The stream was opened after the client had gone, and ends at once.
    await eventually(async () => (counts.length >= 2 ? true : undefined), 5_000);
    expect(counts).toEqual([1, 0]);
  });
});
