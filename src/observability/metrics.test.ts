import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('Metrics', () => {
  it('exposes the inbox backlog only where the process knows it (the ingest role), never a made-up 0', async () => {
    const ingest = new Metrics(() => 42);
    expect(await ingest.registry.metrics()).toMatch(/^sluice_inbox_backlog 42$/m);
    const router = new Metrics(undefined);
    expect(await router.registry.metrics()).not.toContain('sluice_inbox_backlog');
  });
});
