/**
 * bench/privacy-requests: export and delete one subject among N stored events (default 100k and 1M), written
 * straight into a fresh embedded store (not through HTTP), and the retention sweep's check of a workspace whose
 * events are all younger than its windows (what the hourly sweep finds almost every time; it runs on the thread
 * that answers the Tracking API). Prints the time of each step and the ratio to the 100k run, so the scaling curve
 * is visible: it should grow far slower than the store (the retention check: not at all).
 *
 *   node --import tsx bench/privacy-requests.ts [sizes=100000,1000000] [subjectEvents=1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Keys } from '../src/core/crypto/keys.js';
import { accessExport } from '../src/privacy/requests/access-export.js';
import { eraseSubject } from '../src/privacy/requests/deletion.js';
import type { PrivacyRequest } from '../src/privacy/requests/request.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../src/store/store.js';

const sizes = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
const subjectEvents = Number(process.argv[3] ?? 1000);
const WS = 'ws_bench';

function event(i: number, userId: string): NewEvent {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    workspaceId: WS,
    sourceId: 'src_bench',
    event: {
      type: 'track', event: 'Product Viewed', messageId: `m-${i}`, userId, anonymousId: `anon-${userId}`,
      properties: { productId: `p-${i % 500}`, price: i % 100, currency: 'EUR' },
      context: { ip: '203.0.113.7', library: { name: 'bench', version: '1' } }, integrations: {},
      originalTimestamp: at, timestamp: at, receivedAt: at, version: 2,
    },
  };
}

function request(id: string): PrivacyRequest {
  const now = Date.now();
  return {
    id, workspaceId: WS, type: 'delete', status: 'processing', regulation: 'gdpr', subject: { userId: 'subject' }, params: { suppress: false },
    channel: 'admin_api', verified: true, verifiedBy: 'bench', agent: null, contactEmail: null, language: 'en', createdBy: 'bench', receivedAt: now, dueAt: now,
    receiptDueAt: now, receiptConfirmedAt: null, extendedAt: null, extensionReason: null, respondedAt: null, denialReason: null, failure: null,
    result: null, attempts: 0, retainUntil: null, updatedAt: now,
  };
}

async function run(size: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-dsr-'));
  const store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  try {
    // The subject's events are spread evenly through the store, among 10k other users.
    const every = Math.floor(size / subjectEvents);
    const fillStarted = performance.now();
    for (let start = 0; start < size; start += 5000) {
      const batch: NewEvent[] = [];
      for (let i = start; i < Math.min(size, start + 5000); i++) batch.push(event(i, i % every === 0 ? 'subject' : `user-${i % 10_000}`));
      await store.events.insertMany(batch);
    }
    const fillMs = performance.now() - fillStarted;
    // Sluice's checkpointer thread copies the WAL back every 500 ms; this bench runs without it, so the fill would leave
    // up to 40 MB of WAL for SQLite's own checkpoint to copy inside whichever timed step's commit crossed the limit
    // (session 36: a deletion's 84 ms read 230 ms on one index layout and not the other, from that alone).
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);

    // The retention sweep with nothing due: the events' windows end before the oldest event (bench events are received
    // from 2026-01-01 on). Both of the sweep's queries, as RetentionSweeper runs them for one workspace.
    const retentionStarted = performance.now();
    const before = Date.UTC(2026, 0, 1) - 1;
    const deleted = await store.retention.deleteEventsBefore(WS, before, 500);
    const { scanned } = await store.retention.truncateIpsBefore(WS, before, 500, (ip) => ip);
    const retentionMs = performance.now() - retentionStarted;
    if (deleted !== 0 || scanned !== 0) throw new Error(`the retention check found events due (${deleted} deleted, ${scanned} scanned)`);

    const exportStarted = performance.now();
    let bytes = 0;
    for await (const chunk of accessExport({ store, ports: {} }, { ...request('dsr_export'), type: 'access' }, 'ndjson')) bytes += chunk.length;
    const exportMs = performance.now() - exportStarted;

    // Ingest running alongside the deletion: how long does one 500-event insert wait at worst?
    let ingesting = true;
    let worstInsertMs = 0;
    let inserted = 0;
    const ingest = (async () => {
      let i = size;
      while (ingesting) {
        const t = performance.now();
        await store.events.insertMany(Array.from({ length: 500 }, (_, k) => event(i + k, `user-${k}`)));
        worstInsertMs = Math.max(worstInsertMs, performance.now() - t);
        inserted += 500;
        i += 500;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const deleteStarted = performance.now();
    const keys = new Keys('bench-secret-key-0123456789abcdef0123456789');
    const outcome = await eraseSubject({ store, keys, ports: {}, signal: new AbortController().signal }, request('dsr_delete'));
    if (outcome.kind !== 'done') throw new Error(`deletion did not finish: ${outcome.reason}`);
    const { certificate } = outcome;
    const deleteMs = performance.now() - deleteStarted;
    ingesting = false;
    await ingest;
    const events = certificate.systems.find((s) => s.system === 'events')!;
    return { size, fillMs, retentionMs, exportMs, exportMb: bytes / 1e6, deleteMs, deleted: events.deleted, residual: events.residual, worstInsertMs, insertedDuringDelete: inserted };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const size of sizes) {
  const r = await run(size);
  results.push(r);
  console.log(
    `${size.toLocaleString('en')} events (subject: ${subjectEvents}): fill ${(r.fillMs / 1000).toFixed(1)} s | retention check ${r.retentionMs.toFixed(1)} ms | export ${r.exportMs.toFixed(0)} ms (${r.exportMb.toFixed(2)} MB NDJSON) | delete+verify ${r.deleteMs.toFixed(0)} ms (${r.deleted} deleted, residual ${r.residual}) | ingest during delete: ${r.insertedDuringDelete} events, worst 500-event insert ${r.worstInsertMs.toFixed(0)} ms`,
  );
}
const base = results[0]!;
for (const r of results.slice(1)) {
  console.log(`ratio ${r.size / base.size}x store: export ${(r.exportMs / base.exportMs).toFixed(2)}x, delete ${(r.deleteMs / base.deleteMs).toFixed(2)}x, retention check ${(r.retentionMs / base.retentionMs).toFixed(2)}x`);
}
