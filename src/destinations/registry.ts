import { amplitude } from './amplitude/index.js';
import { braze } from './braze/index.js';
import { customerio } from './customerio/index.js';
import type { DestinationType } from './destination.js';
import { mixpanel } from './mixpanel/index.js';
import { posthog } from './posthog/index.js';
import { segment } from './segment/index.js';
import { slack } from './slack/index.js';

/**
 * Every destination type Sluice can route to, by `type`. Each lives in its own folder
 * (src/destinations/<type>/index.ts) and is listed here once.
 */
const TYPES = [amplitude, mixpanel, posthog, customerio, braze, slack, segment] as unknown as readonly DestinationType<never>[];

const BY_TYPE = new Map<string, DestinationType<never>>(TYPES.map((t) => [t.type, t]));

export function destinationType(type: string): DestinationType<unknown> | undefined {
  return BY_TYPE.get(type) as DestinationType<unknown> | undefined;
}

export function destinationTypes(): readonly DestinationType<unknown>[] {
  return TYPES as readonly DestinationType<unknown>[];
}
