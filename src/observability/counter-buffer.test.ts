import { describe, expect, it } from 'vitest';
import type { SourceCounter, SourceDrop, SourceRejection } from '../store/store.js';
import { CounterBuffer } from './counter-buffer.js';

const MINUTE = 60_000;

describe('CounterBuffer', () => {
  it('aggregates per (source, minute, kind, reason) and writes one row each per flush', async () => {
    const written: SourceCounter[][] = [];
    const buffer = new CounterBuffer(async (rows) => {
      written.push([...rows]);
    });
    const t = 100 * MINUTE;
    buffer.add('ws', 'src', 'received', '', 100, t);
    buffer.add('ws', 'src', 'received', '', 5, t + 59_999);
    buffer.add('ws', 'src', 'received', '', 1, t + MINUTE);
    buffer.add('ws', 'src', 'rejected', 'too_many_requests', 1, t);
    buffer.add('', '', 'rejected', 'unknown_source', 2, t);
    buffer.add('ws', 'src', 'received', '', 0, t); // nothing
    await buffer.flush();
    expect(written).toHaveLength(1);
    expect(written[0]!.map((r) => `${r.sourceId}|${(r.minute - t) / MINUTE}|${r.kind}|${r.reason}|${r.count}`).sort()).toEqual([
      'src|0|received||105',
      'src|0|rejected|too_many_requests|1',
      'src|1|received||1',
      '|0|rejected|unknown_source|2',
    ]);
    await buffer.flush();
    expect(written).toHaveLength(1); // nothing pending, no write
  });

  it('keeps a failed write\'s increments and adds them to the next write', async () => {
    let fail = true;
    const written: SourceCounter[] = [];
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(async (rows) => {
      if (fail) throw new Error('database is down');
      written.push(...rows);
    }, { onError: (error) => errors.push(error) });
    buffer.add('ws', 'src', 'received', '', 3, 0);
    await buffer.flush();
    expect(errors).toHaveLength(1);
    buffer.add('ws', 'src', 'received', '', 2, 0);
    fail = false;
    await buffer.stop();
    expect(written.map((r) => r.count)).toEqual([5]);
  });
  it('keeps everything pending, without an error, when the store was busy and the write did not wait', async () => {
    let busy = true;
    const written: SourceCounter[] = [];
    const rejections: SourceRejection[] = [];
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(async (rows) => {
      if (busy) return false;
      written.push(...rows);
      return true;
    }, { writeRejections: async (rows) => void rejections.push(...rows), onError: (error) => errors.push(error) });
    buffer.add('ws', 'src', 'received', '', 3, 0);
    buffer.keepRejection({ workspaceId: 'ws', sourceId: 'src', code: 'validation_failed', message: 'm', at: 1 });
    await buffer.flush();
    expect({ written, rejections, errors }).toEqual({ written: [], rejections: [], errors: [] });
    buffer.add('ws', 'src', 'received', '', 2, 0);
    busy = false;
    await buffer.flush();
    expect(written.map((r) => r.count)).toEqual([5]);
    expect(rejections.map((r) => r.code)).toEqual(['validation_failed']);
    expect(errors).toEqual([]);
  });

  it('writes the latest rejection per source and code after the counters, and keeps unwritten ones without counting twice', async () => {
    const counted: SourceCounter[] = [];
    const kept: SourceRejection[][] = [];
    let failRejections = true;
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(async (rows) => {
      counted.push(...rows);
    }, {
      writeRejections: async (rows) => {
        if (failRejections) throw new Error('database is down');
        kept.push([...rows]);
      },
      onError: (error) => errors.push(error),
    });
    const rejection = (code: string, at: number, sourceId = 'src'): SourceRejection => ({ workspaceId: 'ws', sourceId, code, message: `${code} at ${at}`, at });
    buffer.add('ws', 'src', 'rejected', 'missing_event', 2, 0);
    buffer.keepRejection(rejection('missing_event', 1));
    buffer.keepRejection(rejection('missing_event', 2));
    buffer.keepRejection(rejection('invalid_timestamp', 3));
    buffer.keepRejection(rejection('invalid_write_key', 4, '')); // no source: counted only
    await buffer.flush();
    expect(errors).toHaveLength(1);
    expect(counted.map((r) => r.count)).toEqual([2]);
    failRejections = false;
    buffer.keepRejection(rejection('invalid_timestamp', 5));
    await buffer.flush();
    expect(counted.map((r) => r.count)).toEqual([2]); // the counters were not written again
    expect(kept).toHaveLength(1);
    expect(kept[0]!.map((r) => r.message).sort()).toEqual(['invalid_timestamp at 5', 'missing_event at 2']);
  });

  it('keeps the rejections for the next write when the counters cannot be written', async () => {
    let fail = true;
    const kept: SourceRejection[] = [];
    const buffer = new CounterBuffer(async () => {
      if (fail) throw new Error('database is down');
    }, { writeRejections: async (rows) => void kept.push(...rows), onError: () => {} });
    buffer.add('ws', 'src', 'rejected', 'missing_event', 1, 0);
    buffer.keepRejection({ workspaceId: 'ws', sourceId: 'src', code: 'missing_event', message: 'm', at: 1 });
    await buffer.flush();
    expect(kept).toEqual([]);
    fail = false;
    await buffer.flush();
    expect(kept.map((r) => r.code)).toEqual(['missing_event']);
  });

  it('writes the latest drop per source and reason, also when the rejections cannot be written, and keeps unwritten ones', async () => {
    let failRejections = true;
    let failDrops = true;
    const kept: SourceDrop[][] = [];
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(async () => {}, {
      writeRejections: async () => {
        if (failRejections) throw new Error('rejections: database is down');
      },
      writeDrops: async (rows) => {
        if (failDrops) throw new Error('drops: database is down');
        kept.push([...rows]);
      },
      onError: (error) => errors.push(error),
    });
    const drop = (reason: string, at: number, sourceId = 'src'): SourceDrop => ({ workspaceId: 'ws', sourceId, reason, message: `${reason} at ${at}`, at });
    buffer.keepRejection({ workspaceId: 'ws', sourceId: 'src', code: 'missing_event', message: 'm', at: 1 });
    buffer.keepDrop(drop('duplicate', 1));
    buffer.keepDrop(drop('duplicate', 2));
    buffer.keepDrop(drop('suppressed', 3));
    buffer.keepDrop(drop('duplicate', 4, 'other'));
    failDrops = false;
    await buffer.flush();
    expect(errors).toHaveLength(1); // the rejections' write failed; the drops were written all the same
    expect(kept).toHaveLength(1);
    expect(kept[0]!.map((d) => d.message).sort()).toEqual(['duplicate at 2', 'duplicate at 4', 'suppressed at 3']);

    failRejections = false;
    failDrops = true;
    buffer.keepDrop(drop('duplicate', 5));
    await buffer.flush();
    expect(errors).toHaveLength(2);
    buffer.keepDrop(drop('suppressed', 6));
    failDrops = false;
    await buffer.stop();
    expect(kept).toHaveLength(2);
    expect(kept[1]!.map((d) => d.message).sort()).toEqual(['duplicate at 5', 'suppressed at 6']);
  });
});
