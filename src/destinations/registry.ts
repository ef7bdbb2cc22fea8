import { amplitude } from './amplitude/index.js';
import { braze } from './braze/index.js';
import { customerio } from './customerio/index.js';
import { ga4 } from './ga4/index.js';
import { hubspot } from './hubspot/index.js';
import { intercom } from './intercom/index.js';
import type { DestinationType } from './destination.js';
import { mixpanel } from './mixpanel/index.js';
import { posthog } from './posthog/index.js';
import { postgres } from './postgres/index.js';
import { s3 } from './s3/index.js';
import { segment } from './segment/index.js';
import { slack } from './slack/index.js';
import { webhookDestination } from './webhook/webhook.js';

/**
 * Every destination type Sluice can route to, by `type`. Each lives in its own folder
 * (src/destinations/<type>/) and is listed here once.
 *
 * Erases a type's config parameter for the registry. Sound because every config reaching deliver() has been
 * validated against that type's own configSchema when the destination was saved.
 */
function entry<Config>(type: DestinationType<Config>): DestinationType<unknown> {
  return type as unknown as DestinationType<unknown>;
}

const TYPES: readonly DestinationType<unknown>[] = [entry(amplitude), entry(mixpanel), entry(posthog), entry(customerio), entry(braze), entry(slack), entry(segment), entry(ga4), entry(hubspot), entry(intercom), entry(s3), entry(postgres), entry(webhookDestination)];

const BY_TYPE = new Map<string, DestinationType<unknown>>(TYPES.map((t) => [t.type, t]));

export function destinationType(type: string): DestinationType<unknown> | undefined {
  return BY_TYPE.get(type);
}

export function destinationTypes(): readonly DestinationType<unknown>[] {
  return TYPES;
}
