import { describe, expect, it } from 'vitest';
import type { StoredDestination } from '../../core/destination.js';
import { withoutPrivacy } from '../../privacy/destination-privacy.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { CONTINUE, type ProcessingItem } from '../stage.js';
import type { DestinationDecider } from './decision.js';
import { FanOut } from './fan-out.js';
import { FilterDecider } from './filter-decider.js';

function destination(id: string, filters: StoredDestination['filters'] = []): StoredDestination {
  return { id, workspaceId: 'ws', name: id, type: 'webhook', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, filters, enabled: true, createdAt: 0, updatedAt: 0 };
}

let storedSeq = 0;

/** An item as the store stage leaves it: `json` is what was stored, `stored` the row it went to. */
function stored(event: Record<string, unknown>): ProcessingItem {
  const full = { type: 'track', event: 'Bought', userId: 'u1', messageId: 'm-x', receivedAt: '2026-12-01T00:00:00.000Z', properties: { price: 5, coupon: 'X' }, ...event } as unknown as SegmentEvent;
  const seq = ++storedSeq;
  return { message: { seq, workspaceId: 'ws', sourceId: 'src', event: full }, workspaceId: 'ws', sourceId: 'src', event: full, json: JSON.stringify(full), stored: { seq: 100 + seq, workspaceId: 'ws', sourceId: 'src', event: full } };
}

/** What the privacy decider does to the event for every destination: the outgoing copy, without `_privacy`. */
const outgoing: DestinationDecider = {
  name: 'privacy',
  decide: async (candidates) =>
    candidates.map((c) => {
      c.event = withoutPrivacy(c.item.event);
      return CONTINUE;
    }),
};

describe('FanOut job JSON', () => {
  it('sends the stored serialization, and names the stored event, when a destination gets the stored event, and its own otherwise', async () => {
    const plain = stored({ messageId: 'm-plain' });
    const recorded = stored({ messageId: 'm-recorded', _privacy: { pii: [{ path: 'traits.email', action: 'hash', reason: 'pii_hashed:email' }] } });
    const all = destination('all');
    const trimmed = destination('trimmed', [{ if: 'event = "Bought"', action: 'drop_properties', properties: ['properties.coupon'] }]);
    const { jobs } = await new FanOut([outgoing, new FilterDecider()]).decide([
      { item: plain, destination: all },
      { item: plain, destination: trimmed },
      { item: recorded, destination: all },
    ]);
    expect(jobs.map((j) => [j.messageId, j.destinationId])).toEqual([['m-plain', 'all'], ['m-plain', 'trimmed'], ['m-recorded', 'all']]);
    expect(jobs[0]!.json).toBe(plain.json);
    // Only the job whose event leaves exactly as stored names it (a queue may keep that reference instead).
    expect(jobs.map((j) => j.storedSeq)).toEqual([plain.stored!.seq, undefined, undefined]);
    expect(JSON.parse(jobs[1]!.json)).toMatchObject({ messageId: 'm-plain', properties: { price: 5 } });
    expect(JSON.parse(jobs[1]!.json).properties).not.toHaveProperty('coupon');
    // `_privacy` is stored (proof of what the policy did) but never leaves.
    expect(recorded.json).toContain('_privacy');
    expect(JSON.parse(jobs[2]!.json)).not.toHaveProperty('_privacy');
    expect(JSON.parse(jobs[2]!.json)).toMatchObject({ messageId: 'm-recorded', userId: 'u1' });
  });

  it('names the stored event of a replayed or retried event that leaves unchanged (read back, not serialized by this batch)', async () => {
    const replayed = stored({ messageId: 'm-replayed' });
    delete replayed.json; // a replay reads stored events back: no serialization of this batch
    const { jobs } = await new FanOut([new FilterDecider()]).decide([{ item: replayed, destination: destination('all') }]);
    expect(jobs.map((j) => [j.messageId, j.storedSeq])).toEqual([['m-replayed', replayed.stored!.seq]]);
    expect(JSON.parse(jobs[0]!.json)).toEqual(JSON.parse(JSON.stringify(replayed.event)));
  });

  it('leaves an event without a `_privacy` record as it is, and copies one with it', () => {
    const event = stored({}).event;
    expect(withoutPrivacy(event)).toBe(event);
    const withRecord = { ...event, _privacy: { pii: [] } } as unknown as SegmentEvent;
    const out = withoutPrivacy(withRecord);
    expect(out).not.toHaveProperty('_privacy');
    expect(withRecord).toHaveProperty('_privacy');
  });
});
