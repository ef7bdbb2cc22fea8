import type { JsonValue } from '../../protocol/segment-event.js';
import { CONTINUE, drop, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

function enabled(value: JsonValue | undefined): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  return true; // an object of per-destination options means "send, with these options"
}

/**
 * Segment's `integrations` object: `{"All": false, "<destination name>": true}`. A destination's own key
 * (its name, case-sensitive, as Segment does) decides first; otherwise `All` (default true). A destination
 * left out is dropped with reason `integrations`.
 */
export class IntegrationsDecider implements DestinationDecider {
  readonly name = 'integrations';

  async decide(candidates: readonly FanOutCandidate[]): Promise<readonly StageOutcome[]> {
    return candidates.map(({ event, destination }) => {
      const integrations = event.integrations ?? {};
      const own = enabled(integrations[destination.name]);
      const send = own ?? enabled(integrations.All) ?? true;
      return send ? CONTINUE : drop('integrations');
    });
  }
}
