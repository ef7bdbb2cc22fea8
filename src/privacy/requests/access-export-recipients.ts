import type { ConsentRecord } from '../../core/privacy/consent-record.js';
import type { DeletionTarget } from './ports.js';

/**
 * Whether a destination has the person's data (GDPR Art. 15(1)(c): the recipients to whom it "has been or will be
 * disclosed"), from the delivery log of the person's events:
 * - `received`: at least one of their events was delivered to it;
 * - `may_receive`: connected, nothing delivered yet (no event since it was connected, or on its way);
 * - `kept_from`: every one of their events was withheld from it (consent, suppression, restriction, filters), by
 *   reason in `withheld`.
 */
export type Disclosure = 'received' | 'may_receive' | 'kept_from';

/** Why what a recipient does with the person's data stopped for them: their objection, or their restriction of processing. */
export type StoppedBecause = 'objection' | 'restriction';

/** One destination in an access answer. */
export interface AccessRecipient {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  readonly disclosure: Disclosure;
  readonly deliveredEvents?: number;
  readonly firstDeliveredAt?: string;
  readonly lastDeliveredAt?: string;
  /** Deliveries of the person's events withheld from it, by reason (`consent_denied:advertising`, `suppressed`, `filter`, ...). */
  readonly withheld?: Readonly<Record<string, number>>;
  /** It no longer receives the person's data because of their own objection or restriction (its purposes stopped for them). */
  readonly stoppedBecause?: StoppedBecause;
  readonly deletedAt?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The consent categories the person objected to (or opted out of) through a privacy request and has not granted
 * since: per category, the latest choice of any of their identifiers is a refusal recorded for a request.
 */
export function objectedCategories(history: readonly ConsentRecord[]): Set<string> {
  const latest = new Map<string, { at: number; granted: boolean; byRequest: boolean }>();
  for (const entry of history) {
    if (entry.gpc) continue;
    for (const [category, granted] of Object.entries(entry.categories)) {
      const seen = latest.get(category);
      if (!seen || entry.at >= seen.at) latest.set(category, { at: entry.at, granted, byRequest: typeof entry.requestId === 'string' });
    }
  }
  return new Set([...latest].filter(([, c]) => !c.granted && c.byRequest).map(([category]) => category));
}

/**
 * The access answer's recipients: every configured destination, and each deleted one that received the person's
 * data, each with what it had of the person's events (`Disclosure`) and whether the person's own objection (a
 * consent category it needs, refused by their request) or restriction stopped it for them.
 */
export function accessRecipients(
  targets: readonly DeletionTarget[],
  consentCategoriesOf: ReadonlyMap<string, readonly string[] | null>,
  person: { readonly restricted: boolean; readonly objected: ReadonlySet<string> },
): AccessRecipient[] {
  return targets
    .filter((d) => d.deletedAt === undefined || (d.deliveries?.delivered ?? 0) > 0)
    .map((d): AccessRecipient => {
      const summary = d.deliveries;
      const withheld = summary && Object.keys(summary.dropped).length > 0 ? summary.dropped : undefined;
      const disclosure: Disclosure =
        summary && summary.delivered > 0 ? 'received' : summary && withheld && summary.failed === 0 && summary.waiting === 0 ? 'kept_from' : 'may_receive';
      const objectedTo = (consentCategoriesOf.get(d.destinationId) ?? []).some((c) => person.objected.has(c));
      const stoppedBecause: StoppedBecause | undefined = person.restricted ? 'restriction' : objectedTo ? 'objection' : undefined;
      return {
        destinationId: d.destinationId,
        name: d.name,
        type: d.type,
        disclosure,
        ...(summary && summary.delivered > 0 && { deliveredEvents: summary.delivered, firstDeliveredAt: iso(summary.firstDeliveredAt)!, lastDeliveredAt: iso(summary.lastDeliveredAt)! }),
        ...(withheld && { withheld }),
        ...(stoppedBecause && disclosure !== 'kept_from' && { stoppedBecause }),
        ...(d.deletedAt !== undefined && { deletedAt: iso(d.deletedAt)! }),
      };
    });
}
