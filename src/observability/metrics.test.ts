import { describe, expect, it } from 'vitest';
import { Metrics, type BacklogReading } from './metrics.js';

const fresh = (waiting: number, readAt = Date.now()): BacklogReading => ({ waiting, readAt, stale: false, errors: 0 });

describe('Metrics', () => {
  it('exposes the inbox backlog only where the process knows it (the ingest role), never a made-up 0', async () => {
    const ingest = new Metrics(() => fresh(42));
    const text = await ingest.registry.metrics();
    expect(text).toMatch(/^sluice_inbox_backlog 42$/m);
    expect(text).toMatch(/^sluice_backlog_up\{backlog="inbox"\} 1$/m);
    const router = new Metrics(undefined);
    expect(await router.registry.metrics()).not.toMatch(/sluice_inbox_backlog|sluice_backlog_up/);
  });

  it('keeps the last known backlogs while they cannot be read, marked stale, and counts the failed reads', async () => {
    let now = 1_000_000;
    let failing = false;
    let inbox: BacklogReading = { waiting: 7, readAt: now, stale: false, errors: 0 };
    const metrics = new Metrics(() => inbox, async () => {
      if (failing) throw new Error('NATS is out of reach');
      return [{ destinationId: 'd1', waiting: 12 }];
    }, { now: () => now });
    const before = await metrics.registry.metrics();
    expect(before).toMatch(/^sluice_destination_backlog\{destination_id="d1"\} 12$/m);
    expect(before).toMatch(/^sluice_backlog_up\{backlog="destinations"\} 1$/m);
    expect(before).toMatch(/^sluice_backlog_scrape_errors_total\{backlog="destinations"\} 0$/m);

    failing = true;
    now += 30_000;
    inbox = { ...inbox, stale: true, errors: 4 };
    const during = await metrics.registry.metrics();
    expect(during).toMatch(/^sluice_destination_backlog\{destination_id="d1"\} 12$/m);
    expect(during).toMatch(/^sluice_inbox_backlog 7$/m);
    expect(during).toMatch(/^sluice_backlog_up\{backlog="destinations"\} 0$/m);
    expect(during).toMatch(/^sluice_backlog_up\{backlog="inbox"\} 0$/m);
    expect(during).toMatch(/^sluice_backlog_age_seconds\{backlog="destinations"\} 30$/m);
    expect(during).toMatch(/^sluice_backlog_age_seconds\{backlog="inbox"\} 30$/m);
    expect(during).toMatch(/^sluice_backlog_scrape_errors_total\{backlog="destinations"\} 1$/m);
    expect(during).toMatch(/^sluice_backlog_scrape_errors_total\{backlog="inbox"\} 4$/m);

    failing = false;
    const after = await metrics.registry.metrics();
    expect(after).toMatch(/^sluice_backlog_up\{backlog="destinations"\} 1$/m);
    expect(after).toMatch(/^sluice_backlog_age_seconds\{backlog="destinations"\} 0$/m);
    expect(after).toMatch(/^sluice_backlog_scrape_errors_total\{backlog="destinations"\} 1$/m);
  });

  it('shows the last known values when a backlog read does not answer within its timeout, so the scrape does not hang', async () => {
    let hang = false;
    const metrics = new Metrics(undefined, () => (hang ? new Promise(() => undefined) : Promise.resolve([{ destinationId: 'd1', waiting: 3 }])), { readTimeoutMs: 50 });
    expect(await metrics.registry.metrics()).toMatch(/^sluice_destination_backlog\{destination_id="d1"\} 3$/m);
    hang = true;
    const during = await metrics.registry.metrics();
    expect(during).toMatch(/^sluice_destination_backlog\{destination_id="d1"\} 3$/m);
    expect(during).toMatch(/^sluice_backlog_up\{backlog="destinations"\} 0$/m);
  });
});
