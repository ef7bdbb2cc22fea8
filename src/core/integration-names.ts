/**
 * The names Segment's catalog gives the tools Sluice delivers to, by Sluice destination type. In Segment an event's
 * `integrations` object names destinations by these (`{"Mixpanel": false}`, case-sensitive: "Destination flags ...
 * match the Destination's name in the docs"), so instrumentation written for Segment keeps working: such a key
 * addresses every destination of the type, whatever the destination is called here. Classic and Actions names
 * both count. The warehouse and the Segment forwarder have no such flag and are named by their own name only.
 */
export const SEGMENT_CATALOG_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  amplitude: ['Amplitude', 'Actions Amplitude', 'Amplitude (Actions)'],
  mixpanel: ['Mixpanel', 'Mixpanel (Actions)'],
  posthog: ['PostHog'],
  customerio: ['Customer.io', 'Customer.io (Actions)'],
  braze: ['Braze', 'Braze Cloud Mode (Actions)'],
  hubspot: ['HubSpot', 'HubSpot Cloud Mode (Actions)'],
  intercom: ['Intercom', 'Intercom Cloud Mode (Actions)'],
  ga4: ['Google Analytics 4', 'Google Analytics 4 Cloud'],
  slack: ['Slack', 'Slack (Actions)'],
  s3: ['Amazon S3', 'AWS S3'],
  webhook: ['Webhooks', 'Webhooks (Actions)'],
});
