import { describe, expect, it } from 'vitest';
import { sinkMessageIds } from './sink-message-ids.js';

describe('sinkMessageIds', () => {
  it('finds every messageId of a batch body and of a single event, in order, as JSON.parse would', () => {
    const events = [
      { type: 'track', event: 'Bench', messageId: 'e2e-1', properties: { i: 1, note: 'say "hi"' } },
      { type: 'identify', messageId: 'lat-"2"\\x', traits: { plan: 'pro' }, context: { library: { name: 'analytics-node' } } },
    ];
    const batch = JSON.stringify({ batch: events });
    expect(sinkMessageIds(batch)).toEqual((JSON.parse(batch) as { batch: { messageId: string }[] }).batch.map((e) => JSON.stringify(e.messageId).slice(1, -1)));
    expect(sinkMessageIds(JSON.stringify(events[0]))).toEqual(['e2e-1']);
    expect(sinkMessageIds('{}')).toEqual([]);
  });
});
