import { describe, expect, it } from 'vitest';
import { WorkerCounters } from './worker-runtime.js';

describe('WorkerCounters', () => {
  it('adds increments of the same counter and labels, keeps other labels apart, and starts over after a drain', () => {
    const counters = new WorkerCounters();
    const labels = (status: string, reason = '') => ({ destination_id: 'dst_1', status, reason });
    counters.inc('sluice_deliveries_total', 'help', labels('delivered'));
    counters.inc('sluice_deliveries_total', 'help', labels('delivered'), 4);
    counters.inc('sluice_deliveries_total', 'help', labels('dropped', 'filter'));
    counters.inc('sluice_deliveries_total', 'help', { destination_id: 'dst_1', status: 'delivered' }); // one label fewer
    counters.inc('sluice_events_processed_total', 'help', {}, 7);
    expect(counters.drain().map((c) => [c.name, c.labels, c.value])).toEqual([
      ['sluice_deliveries_total', labels('delivered'), 5],
      ['sluice_deliveries_total', labels('dropped', 'filter'), 1],
      ['sluice_deliveries_total', { destination_id: 'dst_1', status: 'delivered' }, 1],
      ['sluice_events_processed_total', {}, 7],
    ]);
    expect(counters.drain()).toEqual([]);
  });
});
