import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../accounts/bootstrap.js';
import { loadConfig } from '../config/config.js';
import { Keys } from '../core/crypto/keys.js';
import { identifierKey, identifiersForSuppression, identifiersOfEvent, type SubjectIdentifier } from '../core/privacy/subject.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import type { InboxMessage } from '../queue/queue.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import { openStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';
import type { BatchContext } from './batch-context.js';
import { buildProcessor } from './build-processor.js';
import { Processor } from './processor.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage } from './stage.js';
import { seededRandom } from '../../test/support/seeded-random.js';

/**
 * The processor reads the identity graph once per batch (BatchContext): suppression resolves linked identities
 * from the slice it loads before anything is written, children and consent from the graph the identity stage
 * just wrote. These tests hold that to the store's own answer, batch by batch, and check that events of
 * different people in one batch never borrow each other's suppression, consent or child flag, with the order
 * inside a batch mattering exactly as before (an alias earlier in the batch links the person for the
 * children and consent stages; suppression sees the graph as it stood before the batch).
 */
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sorted = (ids: readonly SubjectIdentifier[]) => [...new Set(ids.map(identifierKey))].sort();

async function rig() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-batch-context-'));
  dirs.push(dataDir);
  const store = await openStore(loadConfig({ SLUICE_DATA_DIR: dataDir, SLUICE_LOG_LEVEL: 'error' }), { migrate: true });
  const boot = await bootstrap(store, 'test-owner-token-0123456789abcdef');
  const workspaceId = boot.workspaceId;
  const sourceId = (await store.sources.list(workspaceId))[0]!.id;
  const keys = new Keys('test-secret-key-not-for-production-0123456789');
  const changes = new ChangeFeed({ channel: `batch-context-${Math.random()}` });
  const services = createPrivacyServices({ store, keys, changes });
  closers.push(async () => {
    services.close();
    changes.close();
    await store.close();
  });
  const stages = buildProcessor({ store, privacy: { services, keys } }).stages;
  const names = stages.map((s) => s.name);
  expect(names).toEqual(['suppression', 'identity', 'children', 'consent', 'pii', 'store']);

  // Before suppression: what the store says is suppressed, with linked identities from the store.
  const expectedSuppressed = new Set<string>();
  const beforeSuppression: ProcessorStage = {
    name: 'probe-before',
    async run(items) {
      const ids = items.flatMap((i) => identifiersForSuppression(i.event));
      const hit = await services.suppressions.suppressedKeys(workspaceId, ids);
      // A dropped event's other identifiers are the suppressed person's too (decision 0605): events of the batch
      // naming them are dropped as well, until nothing more joins. An alias's previousId counts among them.
      const keysOf = items.map((item) => identifiersForSuppression(item.event).map(identifierKey));
      const joined = new Set(hit);
      for (let grew = true; grew; ) {
        grew = false;
        for (const keys of keysOf) {
          if (!keys.some((k) => joined.has(k))) continue;
          for (const k of keys) if (!joined.has(k)) (joined.add(k), (grew = true));
        }
      }
      for (const [i, item] of items.entries()) if (keysOf[i]!.some((k) => joined.has(k))) expectedSuppressed.add(item.event.messageId);
      return items.map(() => CONTINUE);
    },
  };
  // After consent: the batch's linked identities against the store's, and what each event was given.
  const mismatches: string[] = [];
  const seen = new Map<string, { child: boolean; advertising: boolean | undefined }>();
  const afterConsent: ProcessorStage = {
    name: 'probe-after',
    async run(items: readonly ProcessingItem[], batch: BatchContext) {
      const ids = items.flatMap((i) => identifiersOfEvent(i.event));
      const fromBatch = await batch.linked(workspaceId, ids, async () => {
        throw new Error('every identifier of the batch is in the graph slice');
      });
      const fromStore = await services.linked(workspaceId, ids);
      for (const id of ids) {
        const a = sorted(fromBatch.get(identifierKey(id)) ?? []);
        const b = sorted(fromStore.get(identifierKey(id)) ?? []);
        if (a.join() !== b.join()) mismatches.push(`${identifierKey(id)}: batch ${a.join(' ')} store ${b.join(' ')}`);
      }
      for (const item of items) seen.set(item.event.messageId, { child: item.child === true, advertising: item.consent?.categories.advertising?.granted });
      return items.map(() => CONTINUE);
    },
  };
  const processor = new Processor([beforeSuppression, ...stages.slice(0, 4), afterConsent, ...stages.slice(4)]);
  let seq = 0;
  const message = (event: Record<string, unknown>): InboxMessage => {
    const n = seq++;
    const at = new Date(1_760_000_000_000 + n * 1000).toISOString();
    return { seq: n, workspaceId, sourceId, event: { messageId: `m${n}`, timestamp: at, receivedAt: at, ...event } as unknown as SegmentEvent };
  };
  const run = async (events: Record<string, unknown>[]) => {
    const messages = events.map(message);
    const report = await processor.processBatch(messages);
    const dropped = new Set(report.dropped.map((d) => d.item.event.messageId));
    for (const m of messages) {
      const id = m.event.messageId;
      expect(dropped.has(id), `${id} dropped as suppressed`).toBe(expectedSuppressed.has(id));
    }
    return { ids: messages.map((m) => m.event.messageId), dropped };
  };
  return { store, services, workspaceId, run, mismatches, seen, expectedSuppressed };
}


describe('batch context (the identity graph read once per batch)', () => {
  // 2,001 more suppressions (people not in the traffic) take the lookup path instead of the in-memory list.
  it.each([0, 2001])('resolves linked identities and suppression exactly as the store does, batch after batch (%i other suppressions)', async (others) => {
    const r = await rig();
    if (others > 0) await r.services.suppressions.suppress(r.workspaceId, Array.from({ length: others }, (_, i) => ({ type: 'userId' as const, value: `someone-else-${i}` })), { requestId: null, hashed: true });
    const seed = Number(process.env.PRIVACY_FUZZ_SEED ?? 4242);
    const random = seededRandom(seed);
    const pick = (n: number) => Math.floor(random() * n);
    const suppressed = [{ type: 'email' as const, value: 'Person3@Example.com' }, { type: 'userId' as const, value: 'u7' }];
    let throughLinks = 0;
    for (let b = 0; b < 8; b++) {
      // People are suppressed once the graph links them (a suppressed person's own events never link anything).
      if (b === 3) await r.services.suppressions.suppress(r.workspaceId, suppressed, { requestId: null, hashed: false });
      const events: Record<string, unknown>[] = [];
      for (let i = 0; i < 120; i++) {
        const p = pick(12);
        const anon = `a${p}-${pick(3)}`;
        const roll = random();
        if (roll < 0.25) events.push({ type: 'identify', userId: `u${p}`, anonymousId: anon, traits: { email: p % 2 === 0 ? `Person${p}@Example.com` : `person${p}@example.com` } });
        else if (roll < 0.35) events.push({ type: 'alias', previousId: `a${pick(12)}-${pick(3)}`, userId: `u${p}` });
        else if (roll < 0.6) events.push({ type: 'track', event: 'Viewed', anonymousId: anon });
        else if (roll < 0.7) events.push({ type: 'track', event: 'Viewed', context: { traits: { email: ` person${p}@example.com ` } } });
        else events.push({ type: 'track', event: 'Viewed', userId: `u${p}`, ...(random() < 0.5 ? { anonymousId: anon } : {}) });
      }
      const { ids, dropped } = await r.run(events);
      const direct = new Set(suppressed.map(identifierKey));
      ids.forEach((id, i) => {
        if (dropped.has(id) && !identifiersOfEvent(events[i] as never).some((s) => direct.has(identifierKey(s)))) throughLinks++;
      });
    }
    expect(r.mismatches, `seed ${seed}`).toEqual([]);
    // The traffic reached suppressed people through links, not only directly.
    expect(throughLinks, `seed ${seed}`).toBeGreaterThan(5);
  });

  it('keeps two people of one batch apart: suppression, consent and the child flag follow each one, with the order inside the batch as before', async () => {
    const r = await rig();
    // Batch 1: the suppressed person and the consenting person are known; the child is not yet.
    await r.run([
      { type: 'identify', userId: 'u-sup', anonymousId: 'a-sup', traits: { email: 'sup@example.com' } },
      { type: 'track', event: 'Segment Consent Preference Updated', userId: 'u-yes', anonymousId: 'a-yes', context: { consent: { categoryPreferences: { Advertising: true } } } },
    ]);
    await r.services.suppressions.suppress(r.workspaceId, [{ type: 'email', value: 'sup@example.com' }], { requestId: null, hashed: false });

    // Batch 2: events of five people interleaved.
    const { ids, dropped } = await r.run([
      { type: 'track', event: 'Viewed', anonymousId: 'a-sup' }, // 0 suppressed through the link made in batch 1
      { type: 'track', event: 'Viewed', anonymousId: 'a-yes-2' }, // 1 linked to u-yes only by the alias below
      { type: 'alias', previousId: 'a-new', userId: 'u-sup' }, // 2 names the suppressed user: dropped, so never links a-new,
      { type: 'track', event: 'Viewed', anonymousId: 'a-new' }, // 3 but says a-new is theirs: suppressed alongside (decision 0605)
      { type: 'alias', previousId: 'a-yes-2', userId: 'u-yes' }, // 4
      { type: 'track', event: 'Viewed', anonymousId: 'a-yes-2' }, // 5
      { type: 'track', event: 'Viewed', userId: 'u-no', anonymousId: 'a-no' }, // 6 no consent: opt-in denies
      { type: 'track', event: 'Viewed', anonymousId: 'a-kid-2' }, // 7 linked to the child only by the alias below
      { type: 'identify', userId: 'u-kid', anonymousId: 'a-kid', traits: { age: 12 } }, // 8 shows the age
      { type: 'alias', previousId: 'a-kid-2', userId: 'u-kid' }, // 9
      { type: 'track', event: 'Viewed', userId: 'u-adult', anonymousId: 'a-adult' }, // 10
    ]);
    expect([...dropped].sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    const seen = (i: number) => r.seen.get(ids[i]!)!;
    // Consent: the end-of-batch graph links a-yes-2 to u-yes for every event of the batch, also the one before the alias.
    expect([1, 4, 5].map((i) => seen(i).advertising)).toEqual([true, true, true]);
    expect([6, 7, 8, 9, 10].map((i) => seen(i).advertising)).toEqual([false, false, false, false, false]);
    // Children: every event of the child's linked identities in the batch, nobody else's.
    expect([7, 8, 9].map((i) => seen(i).child)).toEqual([true, true, true]);
    expect([1, 4, 5, 6, 10].map((i) => seen(i).child)).toEqual([false, false, false, false, false]);
    expect(r.mismatches).toEqual([]);

    // Batch 3: the flag and the consent stay with their people; a-new stays suppressed (hashed, not linked).
    const next = await r.run([
      { type: 'track', event: 'Viewed', anonymousId: 'a-kid-2' },
      { type: 'track', event: 'Viewed', anonymousId: 'a-yes-2' },
      { type: 'track', event: 'Viewed', anonymousId: 'a-new' },
      { type: 'track', event: 'Viewed', userId: 'u-sup' },
    ]);
    expect([...next.dropped].sort()).toEqual([next.ids[2], next.ids[3]].sort());
    expect(r.seen.get(next.ids[0]!)).toEqual({ child: true, advertising: false });
    expect(r.seen.get(next.ids[1]!)).toEqual({ child: false, advertising: true });
    expect(r.mismatches).toEqual([]);
  });
});
