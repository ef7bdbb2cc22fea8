import { describe, expect, it } from 'vitest';
import type { SourceCounter } from '../store/store.js';
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
});
