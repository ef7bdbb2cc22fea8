import { SEGMENT_CATALOG_NAMES } from '../../core/integration-names.js';
import type { JsonValue } from '../../protocol/segment-event.js';
import { CONTINUE, drop, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

function enabled(value: JsonValue | undefined): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  return true; // an object of per-destination options means "send, with these options"
}

/** The flag a Segment catalog name of the destination's type carries (`{"Mixpanel": false}`), if any. */
function catalogFlag(integrations: Readonly<Record<string, JsonValue>>, type: string): boolean | undefined {
  for (const name of SEGMENT_CATALOG_NAMES[type] ?? []) {
    const flag = enabled(integrations[name]);
    if (flag !== undefined) return flag;
  }
  return undefined;
}

/**
 * Segment's `integrations` object: `{"All": false, "<destination name>": true}`. A destination's own key
 * (its name, case-sensitive, as Segment does) decides first; then the Segment catalog name of its type
 * (`Mixpanel`, `Webhooks`, ...: core/integration-names.ts), as instrumentation written for Segment names it;
 * otherwise `All` (default true). A destination left out is dropped with reason `integrations`.
 */
export class IntegrationsDecider implements DestinationDecider {
  readonly name = 'integrations';

  async decide(candidates: readonly FanOutCandidate[]): Promise<readonly StageOutcome[]> {
    return candidates.map(({ event, destination }) => {
      const integrations = event.integrations ?? {};
      const own = enabled(integrations[destination.name]) ?? catalogFlag(integrations, destination.type);
      const send = own ?? enabled(integrations.All) ?? true;
      return send ? CONTINUE : drop('integrations');
    });
  }
}
