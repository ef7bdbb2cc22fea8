import { describe, expect, it } from 'vitest';
import { BatchBuilder, batchBody, IMPORT_BATCH, parseImportLine, type ImportEvent } from './import-lines.js';

describe('parseImportLine', () => {
  it('keeps the timestamp, drops sentAt and writeKey, and keeps a given messageId', () => {
    const parsed = parseImportLine('{"type":"track","userId":"u","event":"E","timestamp":"2020-01-01T00:00:00Z","sentAt":"2020-01-01T00:00:09Z","writeKey":"k","messageId":"m1"}', 7);
    expect(parsed).toMatchObject({ kind: 'event', value: { line: 7, event: { timestamp: '2020-01-01T00:00:00Z', messageId: 'm1' } } });
    if (parsed.kind !== 'event') throw new Error('expected an event');
    expect(parsed.value.event).not.toHaveProperty('sentAt');
    expect(parsed.value.event).not.toHaveProperty('writeKey');
    expect(JSON.parse(parsed.value.json)).toEqual(parsed.value.event);
  });

  it('derives the same messageId from the same line, and different ones from different lines', () => {
    const id = (text: string) => {
      const parsed = parseImportLine(text, 1);
      return parsed.kind === 'event' ? parsed.value.event.messageId : undefined;
    };
    expect(id('{"type":"page","userId":"u"}')).toMatch(/^import-[0-9a-f]{40}$/);
    expect(id('{"type":"page","userId":"u"}')).toBe(id('  {"type":"page","userId":"u"}  '));
    expect(id('{"type":"page","userId":"u"}')).not.toBe(id('{"type":"page","userId":"v"}'));
  });

  it('derives a messageId for a line whose messageId is null, empty or blank (the Tracking API would give it a random one)', () => {
    for (const messageId of [null, '', '   ']) {
      const text = JSON.stringify({ type: 'page', userId: 'u', messageId });
      const parsed = parseImportLine(text, 1);
      if (parsed.kind !== 'event') throw new Error('expected an event');
      expect(parsed.value.event.messageId, JSON.stringify(messageId)).toMatch(/^import-[0-9a-f]{40}$/);
      expect(parseImportLine(text, 2)).toMatchObject({ value: { event: { messageId: parsed.value.event.messageId } } });
    }
  });

  it('reports bad JSON and non-objects with the line number, and skips blank lines', () => {
    expect(parseImportLine('{"a":', 3)).toMatchObject({ kind: 'failed', value: { line: 3, code: 'invalid_json' } });
    expect(parseImportLine('[1]', 4)).toMatchObject({ kind: 'failed', value: { line: 4, code: 'invalid_body' } });
    expect(parseImportLine('"text"', 5)).toMatchObject({ kind: 'failed', value: { line: 5, code: 'invalid_body' } });
    expect(parseImportLine('   ', 6)).toEqual({ kind: 'blank' });
  });
});

describe('BatchBuilder', () => {
  const event = (line: number, bytes = 100): ImportEvent => ({ line, event: {}, json: JSON.stringify({ pad: 'x'.repeat(bytes) }) });

  it('closes a batch at the event limit', () => {
    const builder = new BatchBuilder();
    const full: ImportEvent[][] = [];
    for (let i = 1; i <= IMPORT_BATCH.maxEvents * 2 + 1; i++) {
      const batch = builder.add(event(i));
      if (batch) full.push(batch);
    }
    expect(full.map((b) => b.length)).toEqual([IMPORT_BATCH.maxEvents, IMPORT_BATCH.maxEvents]);
    expect(builder.take().map((e) => e.line)).toEqual([IMPORT_BATCH.maxEvents * 2 + 1]);
    expect(builder.take()).toEqual([]);
  });

  it('closes a batch before it passes the byte limit, and lets an oversized event travel alone', () => {
    const builder = new BatchBuilder();
    expect(builder.add(event(1, 300_000))).toBeUndefined();
    expect(builder.add(event(2, 300_000))?.map((e) => e.line)).toEqual([1]);
    expect(builder.add(event(3, 600_000))?.map((e) => e.line)).toEqual([2]);
    expect(builder.add(event(4))?.map((e) => e.line)).toEqual([3]);
  });

  it('builds a batch request body', () => {
    expect(JSON.parse(batchBody([event(1, 1), event(2, 2)]))).toEqual({ batch: [{ pad: 'x' }, { pad: 'xx' }] });
  });
});
