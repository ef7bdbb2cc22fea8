import { describe, expect, it } from 'vitest';
import type { InboxMessage } from '../queue/queue.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import { droppedEventNotes } from './dropped-event-notes.js';
import type { DroppedItem } from './processor.js';

const dropped = (sourceId: string, reason: string, messageId: string, traits: Record<string, unknown> = {}): DroppedItem => {
  const event = { type: 'identify', messageId, userId: 'ada', traits } as unknown as SegmentEvent;
  return { item: { message: {} as InboxMessage, workspaceId: 'ws', sourceId, event }, stage: 'store', reason };
};

describe('droppedEventNotes', () => {
  it('keeps one note per source and reason (the batch\'s last), with the event\'s shape and no values', () => {
    const notes = droppedEventNotes([
      dropped('src_a', 'duplicate', 'm1'),
      dropped('src_a', 'duplicate', 'm2', { email: 'ada@example.com' }),
      dropped('src_b', 'duplicate', 'm3'),
      dropped('src_a', 'pii_blocked:ssn', 'm4', { ssn: '078-05-1120' }),
    ], 1_000);
    expect(notes.map((n) => `${n.sourceId} ${n.reason} ${n.example?.messageId}`)).toEqual(['src_a duplicate m2', 'src_b duplicate m3', 'src_a pii_blocked:ssn m4']);
    expect(notes[0]).toMatchObject({ workspaceId: 'ws', at: 1_000, example: { type: 'identify', shape: { userId: 'string', traits: { email: 'string' } } } });
    expect(notes[2]!.message).toContain('blocks events holding ssn data');
    expect(JSON.stringify(notes)).not.toMatch(/ada@example\.com|078-05-1120|"ada"/);
  });
});
