import { Type, type Static } from '@sinclair/typebox';
import type { JsonValue, SegmentEvent } from '../../protocol/segment-event.js';
import type { DeliveryResult, DestinationType } from '../destination.js';
import { classifyHttpStatus } from '../http-status.js';
import { deliverHttp, emptyPlan, previewHttp, type HttpMapping } from '../http/http-mapping.js';
import { eventNameOf } from '../segment-fields.js';

export const SlackConfigSchema = Type.Object(
  {
    webhookUrl: Type.String({ format: 'uri', description: 'Incoming webhook URL (https://hooks.slack.com/services/...). It is a secret.' }),
    template: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4000, description: 'Message text; {{path}} inserts a field of the event, e.g. "{{userId}} did {{event}} ({{properties.total}})".' }),
    ),
  },
  { additionalProperties: false },
);
export type SlackConfig = Static<typeof SlackConfigSchema>;

const DEFAULT_TEMPLATE = '*{{name}}* by {{userId}}';

function lookup(event: SegmentEvent, path: string): JsonValue | undefined {
  if (path === 'name') return eventNameOf(event);
  let value: JsonValue | undefined = event as unknown as JsonValue;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** Escapes the characters Slack's mrkdwn treats as control characters. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders a `{{path}}` template against an event; missing fields render as an empty string. */
export function renderTemplate(template: string, event: SegmentEvent): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_$.]+)\s*\}\}/g, (_, path: string) => {
    const value = lookup(event, path);
    if (value === undefined || value === null) return '';
    return escapeSlack(typeof value === 'string' ? value : JSON.stringify(value));
  });
}

export const slackMapping: HttpMapping<SlackConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    items.forEach((it, index) => {
      plan.requests.push({
        request: { method: 'POST', url: config.webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: renderTemplate(config.template ?? DEFAULT_TEMPLATE, it.event) }) },
        itemIndexes: [index],
      });
    });
    return plan;
  },
  interpret(response): DeliveryResult {
    // Slack answers errors as plain text codes: invalid_payload, channel_not_found, channel_is_archived, ...
    // Any other answer (a proxy's HTML page, a JSON error) is no code: the reason is then http_<status>, so
    // reasons stay codes the counters and alerts can group by.
    if (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408) {
      const code = response.body.trim();
      const reason = /^[a-z][a-z0-9_]{0,59}$/.test(code) ? `slack_${code}` : `http_${response.status}`;
      return { kind: 'abort', reason, error: `Slack ${response.status}: ${response.body.slice(0, 200)}` };
    }
    return classifyHttpStatus(response.status, response.headers, response.body);
  },
  secrets: (config) => [config.webhookUrl.split('/services/')[1] ?? config.webhookUrl],
};

/**
 * Slack incoming webhook: one message per event, for alerts. Choose which events alert with the
 * destination's filters (FQL), e.g. `event = 'Order Completed' and properties.total > 1000`.
 */
export const slack: DestinationType<SlackConfig> = {
  type: 'slack',
  displayName: 'Slack (incoming webhook)',
  configSchema: SlackConfigSchema,
  secretFields: ['webhookUrl'],
  urlFields: ['webhookUrl'],
  maxBatchSize: 1,
  deliver: (items, config, context) => deliverHttp(slackMapping, items, config, context),
  preview: async (items, config) => previewHttp(slackMapping, items, config),
  noDeletion: 'Slack messages are alerts posted to a channel; incoming webhooks cannot delete them: remove them in Slack by hand.',
};
