import { describe, expect, it } from 'vitest';
import type { InboxMessage } from '../queue/queue.js';
import { Processor } from './processor.js';
import { CONTINUE, drop, type ProcessorStage } from './stage.js';

const message = (n: number): InboxMessage => ({ seq: n, workspaceId: 'ws', sourceId: 'src', event: { type: 'track', event: 'E', messageId: `m${n}` } as InboxMessage['event'] });

describe('Processor', () => {
  it('catches up with configuration changes first, runs the stages in order on the items still live, then flushes before the batch counts as processed', async () => {
    const seen: string[] = [];
    const stage = (name: string, dropSeq?: number): ProcessorStage => ({
      name,
      run: async (items) => {
        seen.push(`${name}:${items.map((i) => i.message.seq).join(',')}`);
        return items.map((i) => (i.message.seq === dropSeq ? drop(`${name}-reason`) : CONTINUE));
      },
    });
    let releaseFlush: () => void = () => {};
    const processor = new Processor([stage('a', 2), stage('b'), stage('c', 3)], {
      catchUp: async () => {
        seen.push('catchUp');
      },
      flush: () => {
        seen.push('flush');
        return new Promise<void>((resolve) => (releaseFlush = resolve));
      },
    });
    let done = false;
    const report = processor.processBatch([message(1), message(2), message(3)]).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['catchUp', 'a:1,2,3', 'b:1,3', 'c:1,3', 'flush']);
    expect(done).toBe(false); // the batch waits for its flush
    releaseFlush();
    const result = await report;
    expect(result.processed).toBe(3);
    expect(result.survivors.map((i) => i.message.seq)).toEqual([1]);
    expect(result.dropped.map((d) => [d.item.message.seq, d.stage, d.reason])).toEqual([[2, 'a', 'a-reason'], [3, 'c', 'c-reason']]);
  });

  it('stops a batch before the next stage once the queue no longer holds it, so nothing more is written', async () => {
    const ran: string[] = [];
    let held = true;
    const stage = (name: string): ProcessorStage => ({
      name,
      run: async (items) => {
        ran.push(name);
        if (name === 'store') held = false; // the lease lapsed while the store stage ran
        return items.map(() => CONTINUE);
      },
    });
    const processor = new Processor([stage('identity'), stage('store'), stage('fan-out')]);
    await expect(processor.processBatch([message(1)], () => held)).rejects.toThrow(/abandoned before the fan-out stage/);
    expect(ran).toEqual(['identity', 'store']);
  });

  it('does not count a batch whose flush failed as processed', async () => {
    const processor = new Processor([{ name: 'a', run: async (items) => items.map(() => CONTINUE) }], {
      flush: async () => {
        throw new Error('disk gone');
      },
    });
    await expect(processor.processBatch([message(1)])).rejects.toThrow('disk gone');
  });

  it('waits for a flush a stage started early as well as for its own at the end, and fails with either', async () => {
    const calls: string[] = [];
    const flushes: { release: () => void; fail: (e: Error) => void }[] = [];
    const flush = () => {
      calls.push(`flush${flushes.length + 1}`);
      return new Promise<void>((resolve, reject) => flushes.push({ release: resolve, fail: reject }));
    };
    const early: ProcessorStage = {
      name: 'store',
      run: async (items, batch) => {
        batch.flushSoon();
        batch.flushSoon(); // once per batch
        calls.push('store');
        return items.map(() => CONTINUE);
      },
    };
    const later: ProcessorStage = { name: 'fan-out', run: async (items) => (calls.push('fan-out'), items.map(() => CONTINUE)) };
    let done = false;
    const report = new Processor([early, later], { flush }).processBatch([message(1)]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['flush1', 'store', 'fan-out']); // fan-out ran while the early flush was pending
    expect(done).toBe(false);
    flushes[0]!.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['flush1', 'store', 'fan-out', 'flush2']);
    expect(done).toBe(false);
    flushes[1]!.release();
    await report;
    expect(done).toBe(true);

    flushes.length = 0;
    const failing = new Processor([early, later], { flush }).processBatch([message(2)]);
    await new Promise((r) => setTimeout(r, 20));
    flushes[0]!.fail(new Error('early flush failed'));
    await expect(failing).rejects.toThrow('early flush failed');
  });
  it('resolves processBatchFlushing once the stages ran, with the flush as durable (the inbox starts the next batch meanwhile)', async () => {
    let releaseFlush: () => void = () => {};
    const stages: ProcessorStage[] = [{ name: 'store', run: async (items) => items.map(() => CONTINUE) }];
    const processor = new Processor(stages, { flush: () => new Promise<void>((resolve) => (releaseFlush = resolve)) });
    const { report, durable } = await processor.processBatchFlushing([message(1), message(2)]);
    expect(report.processed).toBe(2);
    let flushed = false;
    void durable.then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(flushed).toBe(false);
    releaseFlush();
    await durable;
    expect(flushed).toBe(true);

    const failing = new Processor(stages, { flush: async () => Promise.reject(new Error('disk gone')) });
    const outcome = await failing.processBatchFlushing([message(3)]);
    await expect(outcome.durable).rejects.toThrow('disk gone');
  });
});
