import { describe, expect, it } from 'vitest';
import { pagerDutyEvent, resolvingKindOf } from './pagerduty-alert-event.js';

const input = {
  routingKey: 'key-0123456789abcdef0123',
  episodeId: 'alert_1',
  component: 'Orders',
  workspaceName: 'Shop',
  link: 'https://sluice.example.com:8443/destinations/dst_1',
  details: { alert: { id: 'alert_1' } },
};

describe('PagerDuty Events API v2 body', () => {
  it('triggers with the severity of the kind, the console host as source, and the episode as dedup_key', () => {
    const behind = pagerDutyEvent({ ...input, notice: { kind: 'falling_behind', subject: 'Destination "Orders" is falling behind', paragraphs: ['a', 'b'] } });
    expect(behind).toEqual({
      routing_key: input.routingKey,
      event_action: 'trigger',
      dedup_key: 'sluice:alert_1',
      payload: {
        summary: 'Destination "Orders" is falling behind',
        source: 'sluice.example.com:8443',
        severity: 'warning',
        component: 'Orders',
        group: 'Shop',
        class: 'falling_behind',
        custom_details: { text: 'a\nb', alert: { id: 'alert_1' } },
      },
      client: 'Sluice',
      client_url: input.link,
      links: [{ href: input.link, text: 'Open in the Sluice console' }],
    });
    const severities = (['failing', 'processing_behind'] as const).map((kind) => (pagerDutyEvent({ ...input, notice: { kind, subject: 's', paragraphs: [] } }).payload as { severity: string }).severity);
    expect(severities).toEqual(['error', 'critical']);
  });

  it('resolves for every kind that ends an episode, with nothing but the key and dedup_key', () => {
    for (const kind of ['delivering_again', 'caught_up', 'processing_caught_up'] as const) {
      expect(pagerDutyEvent({ ...input, notice: { kind, subject: 's', paragraphs: ['p'] } })).toEqual({ routing_key: input.routingKey, event_action: 'resolve', dedup_key: 'sluice:alert_1' });
    }
    expect([resolvingKindOf('failing'), resolvingKindOf('falling_behind'), resolvingKindOf('processing_behind')]).toEqual(['delivering_again', 'caught_up', 'processing_caught_up']);
  });

  it('cuts a summary to the 1,024 characters PagerDuty takes', () => {
    const body = pagerDutyEvent({ ...input, notice: { kind: 'failing', subject: `Destination "${'x'.repeat(2000)}" is failing`, paragraphs: [] } });
    const { summary } = body.payload as { summary: string };
    expect(summary).toHaveLength(1024);
    expect(summary.endsWith('...')).toBe(true);
  });
});
