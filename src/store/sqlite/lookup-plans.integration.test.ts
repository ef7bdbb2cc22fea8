import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqlStore } from '../sql/sql-store.js';
import { deliveryLogFileOf } from './delivery-log-file.js';
import { openSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
const stores: SqlStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh, migrated embedded store, closed and deleted after the test. */
async function freshStore(file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-lookup-')), 'sluice.db')): Promise<SqlStore> {
  dirs.push(path.dirname(file));
  const store = await openSqliteStore({ file });
  stores.push(store);
  return store;
}

/** The statements `run` prepares on the store's connection (better-sqlite3's prepare, watched for the call). */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const proto = Database.prototype as unknown as { prepare: (this: unknown, source: string) => unknown };
  const prepare = proto.prepare;
  proto.prepare = function (this: unknown, source: string) {
    seen.push(source);
    return prepare.call(this, source);
  };
  try {
    await run();
  } finally {
    proto.prepare = prepare;
  }
  return seen;
}

/** One placeholder value per `?`: statements are planned with parameters, as they run (literal values let SQLite plan differently). */
function parametersOf(source: string): string[] {
  return Array.from(source.matchAll(/\?/g), () => 'x');
}

async function planOf(store: SqlStore, source: string): Promise<string> {
  const plan = await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${source}`, parametersOf(source)));
  return plan.rows.map((r) => r.detail).join(' | ');
}

describe('an event looked up by messageId on the embedded store', () => {
  it('is found through the dedupe index, not by walking the workspace (the statement events.query runs)', async () => {
    const store = await freshStore();
    const seen = await statementsOf(async () => {
      await store.events.query({ workspaceId: 'ws', messageId: 'm1', limit: 1 });
      await store.events.query({ workspaceId: 'ws', messageIds: ['m1', 'm2'], limit: 10 });
    });
    const lookups = seen.filter((source) => source.includes('from "events"') && source.includes('"message_id"'));
    expect(lookups).toHaveLength(2);
    for (const source of lookups) {
      const details = await planOf(store, source);
      expect(details).toMatch(/events_source_message \(source_id=\? AND message_id=\?\)/);
      expect(details).not.toMatch(/events_workspace_seq/);
    }
  });

  it("finds a person's events by all their identifiers through the identifier indexes, newest first, each once", async () => {
    const store = await freshStore();
    const ws = await store.workspaces.create({ name: 'W' });
    const src = await store.sources.create({ workspaceId: ws.id, name: 'S' });
    const at = new Date().toISOString();
    const event = (messageId: string, ids: Record<string, string>) => ({ workspaceId: ws.id, sourceId: src.id, event: { type: 'track', event: 'E', messageId, timestamp: at, receivedAt: at, ...ids } as never });
    await store.events.insertMany([
      event('e1', { anonymousId: 'a1' }),
      event('e2', { userId: 'someone-else' }),
      event('e3', { userId: 'u1', anonymousId: 'a1' }), // matches two identifiers: listed once
      event('e4', { userId: 'u2' }),
      event('e5', { anonymousId: 'a2' }),
    ]);
    const identities = { userIds: ['u1', 'u2'], anonymousIds: ['a1'] };
    const seen = await statementsOf(async () => {
      const found = await store.events.query({ workspaceId: ws.id, identities, limit: 10 });
      expect(found.map((e) => e.event.messageId)).toEqual(['e4', 'e3', 'e1']);
      const page = await store.events.query({ workspaceId: ws.id, identities, limit: 2 });
      expect(page.map((e) => e.event.messageId)).toEqual(['e4', 'e3']);
      const older = await store.events.query({ workspaceId: ws.id, identities, beforeSeq: page[1]!.seq, limit: 2 });
      expect(older.map((e) => e.event.messageId)).toEqual(['e1']);
    });
    const lookups = seen.filter((source) => source.includes('from "events"') && /"(user_id|anonymous_id)" = \?/.test(source));
    expect(lookups.length).toBeGreaterThan(0);
    for (const source of lookups) expect(await planOf(store, source)).toMatch(/USING (COVERING )?INDEX events_(user|anonymous) /);
  });

  it('finds it in a workspace with several sources, and not from another workspace', async () => {
    const store = await freshStore();
    const mine = await store.workspaces.create({ name: 'Mine' });
    const other = await store.workspaces.create({ name: 'Other' });
    const [web, app] = [await store.sources.create({ workspaceId: mine.id, name: 'Web' }), await store.sources.create({ workspaceId: mine.id, name: 'App' })];
    const theirs = await store.sources.create({ workspaceId: other.id, name: 'Theirs' });
    const at = new Date().toISOString();
    const event = (messageId: string) => ({ type: 'track', event: 'E', userId: 'u', messageId, timestamp: at, receivedAt: at }) as never;
    await store.events.insertMany([
      { workspaceId: mine.id, sourceId: web.id, event: event('m-web') },
      { workspaceId: mine.id, sourceId: app.id, event: event('m-app') },
      { workspaceId: other.id, sourceId: theirs.id, event: event('m-theirs') },
    ]);
    expect((await store.events.query({ workspaceId: mine.id, messageId: 'm-app', limit: 1 })).map((e) => e.sourceId)).toEqual([app.id]);
    expect((await store.events.query({ workspaceId: mine.id, messageIds: ['m-web', 'm-app', 'm-theirs'], limit: 10 })).map((e) => e.event.messageId).sort()).toEqual(['m-app', 'm-web']);
    expect(await store.events.query({ workspaceId: mine.id, messageId: 'm-theirs', limit: 1 })).toEqual([]);
  });
});

describe("a person's events, for their privacy requests and the events API, on the embedded store", () => {
  it('are read through events_user and events_anonymous (migration 1270), the workspace compared on each row, never by walking the workspace', async () => {
    const store = await freshStore();
    const ws = await store.workspaces.create({ name: 'W' });
    const other = await store.workspaces.create({ name: 'Other' });
    const src = await store.sources.create({ workspaceId: ws.id, name: 'S' });
    const theirs = await store.sources.create({ workspaceId: other.id, name: 'Theirs' });
    const at = new Date().toISOString();
    const event = (sourceId: string, messageId: string, ids: Record<string, string>) => ({ workspaceId: sourceId === src.id ? ws.id : other.id, sourceId, event: { type: 'track', event: 'E', messageId, timestamp: at, receivedAt: at, ...ids } as never });
    await store.events.insertMany([
      event(src.id, 'e1', { userId: 'u1' }),
      event(src.id, 'e2', { anonymousId: 'a1' }),
      event(src.id, 'e3', { userId: 'someone-else', anonymousId: 'a1' }), // someone else's (SUBJECT_EVENTS)
      event(src.id, 'e4', { userId: 'null', anonymousId: 'a1' }), // a placeholder userId is nobody's: the subject's
      event(theirs.id, 'e5', { userId: 'u1', anonymousId: 'a1' }), // the same identifiers in another workspace
    ]);
    const keys = { userIds: ['u1', 'u9'], anonymousIds: ['a1', 'a9'] }; // lists of several: an IN list looked costlier to SQLite than the workspace
    const seen = await statementsOf(async () => {
      expect(await store.subjectData.countEvents(ws.id, keys)).toBe(3);
      const pages: string[] = [];
      let cursor: Parameters<typeof store.subjectData.eventPage>[2] | undefined = { column: 'user_id', index: 0, afterSeq: 0 };
      while (cursor) {
        const page = await store.subjectData.eventPage(ws.id, keys, cursor, 10);
        pages.push(...page.events.map((e) => e.event.messageId));
        cursor = page.next;
      }
      expect(pages).toEqual(['e1', 'e2', 'e4']);
      await store.subjectData.deliverySummary(ws.id, keys);
      await store.subjectData.destinationsReached(ws.id, keys);
      await store.subjectData.receiptHoursReached(ws.id, keys);
      expect((await store.events.query({ workspaceId: ws.id, userId: 'u1', limit: 10 })).map((e) => e.event.messageId)).toEqual(['e1']);
      expect((await store.events.query({ workspaceId: ws.id, anonymousId: 'a1', limit: 10 })).map((e) => e.event.messageId)).toEqual(['e4', 'e3', 'e2']);
      let deleted = 0;
      for (let round = 0; round < 5; round++) deleted += (await store.subjectData.deleteEventBatch(ws.id, keys, 100)).events;
      expect(deleted).toBe(3);
    });
    // The other workspace's events and someone else's are untouched.
    expect((await store.events.query({ workspaceId: ws.id, limit: 10 })).map((e) => e.event.messageId)).toEqual(['e3']);
    expect((await store.events.query({ workspaceId: other.id, limit: 10 })).map((e) => e.event.messageId)).toEqual(['e5']);
    const lookups = seen.filter((source) => source.includes('from "events"') && /"(user_id|anonymous_id)" (=|in) /.test(source));
    // countEvents (2), eventPage (2), deliverySummary (2), destinationsReached (2), receiptHoursReached (2), the events API's filters (2), deleteEventBatch (2), less the shapes already prepared.
    expect(lookups.length).toBeGreaterThanOrEqual(8);
    for (const source of lookups) {
      const plan = await planOf(store, source);
      expect(plan, source).toMatch(/SEARCH events USING (COVERING )?INDEX events_(user|anonymous) \((user_id|anonymous_id)=\?/);
      expect(plan, source).not.toMatch(/events_workspace_seq|SCAN events/);
    }
  });
});

describe('the retry states of jobs handed out again, on the embedded delivery log', () => {
  it('are read through the primary key, one probe per event (messageId and source), not by walking the destination\'s retrying deliveries', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-lookup-')), 'sluice.db');
    const store = await freshStore(file);
    const at = Date.now();
    const base = { workspaceId: 'ws', destinationId: 'dst', sourceId: 'src', reason: null, lastError: 'HTTP 503', updatedAt: at } as const;
    await store.deliveries.record([
      { ...base, messageId: 'm1', status: 'retrying', attempts: 2, nextAttemptAt: at + 1000, firstAttemptAt: at - 1000 },
      { ...base, messageId: 'm2', status: 'queued', attempts: 0, lastError: null },
    ]);
    const seen = await statementsOf(async () => {
      expect((await store.deliveries.retrying('ws', 'dst', ['m1', 'm2', 'm3'].map((messageId) => ({ sourceId: 'src', messageId })))).map((r) => [r.messageId, r.attempts])).toEqual([['m1', 2]]);
    });
    const lookups = seen.filter((source) => source.includes('from "deliveries"'));
    expect(lookups).toHaveLength(1);
    const log = new Database(deliveryLogFileOf(file), { readonly: true });
    try {
      const plan = log.prepare(`EXPLAIN QUERY PLAN ${lookups[0]!}`).all(...parametersOf(lookups[0]!)) as { detail: string }[];
      expect(plan.map((r) => r.detail).join(' | ')).toMatch(/USING INDEX sqlite_autoindex_deliveries_1 \(message_id=\? AND source_id=\? AND destination_id=\?\)/);
    } finally {
      log.close();
    }
  });
});

describe("a page of a destination's delivery log after a cursor, on the embedded store", () => {
  it('is read from the cursor on through (destination_id, status, updated_at), newest or oldest first', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-lookup-')), 'sluice.db');
    const store = await freshStore(file);
    const cursor = { updatedAt: Date.now(), messageId: 'm' };
    const seen = await statementsOf(async () => {
      await store.deliveries.list({ workspaceId: 'ws', destinationId: 'dst', status: 'failed', before: cursor, limit: 10 });
      await store.deliveries.list({ workspaceId: 'ws', destinationId: 'dst', status: 'failed', after: cursor, order: 'oldest-first', limit: 10 });
      // A cursor naming the row's source too (rows of two sources' events sharing a messageId).
      await store.deliveries.list({ workspaceId: 'ws', destinationId: 'dst', status: 'failed', before: { ...cursor, sourceId: 'src' }, limit: 10 });
    });
    const pages = seen.filter((source) => source.includes('from "deliveries"'));
    expect(pages).toHaveLength(3);
    const log = new Database(deliveryLogFileOf(file), { readonly: true });
    try {
      for (const page of pages) {
        const plan = log.prepare(`EXPLAIN QUERY PLAN ${page}`).all(...parametersOf(page)) as { detail: string }[];
        // A range of updated_at, not every failed row of the destination for every page.
        expect(plan.map((r) => r.detail).join(' | ')).toMatch(/USING INDEX deliveries_destination_status \(destination_id=\? AND status=\? AND updated_at[<>]\?\)/);
      }
    } finally {
      log.close();
    }
  });
});

describe('events in a time range, on the embedded store', () => {
  it('are read through the time range when it is old, and by walking back from the newest when it is recent', async () => {
    const store = await freshStore();
    const ws = await store.workspaces.create({ name: 'W' });
    const src = await store.sources.create({ workspaceId: ws.id, name: 'S' });
    const t = Date.parse('2026-11-01T00:00:00.000Z');
    const event = (n: number) => ({ type: 'track', event: 'E', userId: `u${n % 7}`, messageId: `m${n}`, timestamp: new Date(t + n * 1000).toISOString(), receivedAt: new Date(t + n * 1000).toISOString() }) as never;
    await store.events.insertMany(Array.from({ length: 2000 }, (_, n) => ({ workspaceId: ws.id, sourceId: src.id, event: event(n) })));
    const statementOf = async (q: { from: number; to?: number; order?: 'asc' | 'desc' }) => {
      const seen = await statementsOf(() => store.events.query({ workspaceId: ws.id, sourceId: src.id, limit: 10, ...q }));
      // (Each query has a shape of its own: a statement already prepared would not be seen again.)
      const selects = seen.filter((source) => source.includes('"payload"'));
      expect(selects).toHaveLength(1);
      return planOf(store, selects[0]!);
    };
    // The first 100 seconds among 2,000: newest first, walking by seq would read the 1,900 newer events first.
    expect(await statementOf({ from: t, to: t + 100_000 })).toMatch(/events_received_at \(received_at>\? AND received_at<\?\)/);
    // The last 100 seconds, oldest first: walking by seq would read the 1,900 older events first.
    expect(await statementOf({ from: t + 1_900_000, to: t + 2_000_000, order: 'asc' })).toMatch(/events_received_at/);
    // The last 100 seconds, newest first: the walk starts in the range.
    const recent = await statementOf({ from: t + 1_900_000 });
    expect(recent).toMatch(/events_workspace_seq|events_source_message/);
    expect(recent).not.toMatch(/events_received_at/);
    // A small workspace among a large one: its walk passes few events, whatever the range.
    const small = await store.workspaces.create({ name: 'Small' });
    const smallSource = await store.sources.create({ workspaceId: small.id, name: 'S' });
    await store.events.insertMany(Array.from({ length: 20 }, (_, n) => ({ workspaceId: small.id, sourceId: smallSource.id, event: { ...(event(n * 100) as object), messageId: `small-${n}` } as never })));
    await store.events.insertMany(Array.from({ length: 2000 }, (_, n) => ({ workspaceId: ws.id, sourceId: src.id, event: { ...(event(2000 + n) as object), messageId: `later-${n}` } as never })));
    const seen = await statementsOf(async () => {
      const found = await store.events.query({ workspaceId: small.id, from: t, to: t + 100_000, limit: 10 });
      expect(found.map((e) => e.event.messageId)).toEqual(['small-0']);
    });
    expect(await planOf(store, seen.find((source) => source.includes('"payload"'))!)).not.toMatch(/events_received_at/);
    // Counting its events of a range walks its few events too.
    const smallCount = await statementsOf(async () => expect(await store.events.countMatching({ workspaceId: small.id, from: t, to: t + 1_000_000 })).toBe(10));
    expect(await planOf(store, smallCount.find((source) => source.includes('count('))!)).not.toMatch(/events_received_at/);
    // Counting a range reads the range.
    const counts = await statementsOf(async () => expect(await store.events.countMatching({ workspaceId: ws.id, from: t, to: t + 100_000 })).toBe(100));
    expect(await planOf(store, counts.find((source) => source.includes('count('))!)).toMatch(/events_received_at/);
  });
});
