import type { ConsentRecord } from '../../core/privacy/consent-record.js';
import type { DeletionTarget } from './ports.js';
import type { RequestType } from './request.js';

/**
 * Whether a destination has the person's data (GDPR Art. 15(1)(c): the recipients to whom it "has been or will be
 * disclosed"), from the delivery log of the person's events:
 * - `received`: at least one of their events was delivered to it;
 * - `may_receive`: connected, nothing delivered yet (no event since it was connected, or on its way);
 * - `kept_from`: every one of their events was withheld from it (consent, suppression, restriction, filters), by
 *   reason in `withheld`.
 */
export type Disclosure = 'received' | 'may_receive' | 'kept_from';

/**
 * Why what a recipient does with the person's data stopped for them: their objection (GDPR Art. 21), their opt-out of
 * the sale or sharing of their personal information (CCPA 1798.120), or their restriction of processing.
 */
export type StoppedBecause = 'objection' | 'opt_out' | 'restriction';

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
 * The consent categories the person objected to or opted out of through a privacy request and has not granted
 * since, each with which of the two it was: per category, the latest choice of any of their identifiers is a
 * refusal recorded for a request (an `opt_out` request, by `requestTypes`, is an opt-out; any other an objection).
 */
export function objectedCategories(history: readonly ConsentRecord[], requestTypes: ReadonlyMap<string, RequestType> = new Map()): Map<string, 'objection' | 'opt_out'> {
  const latest = new Map<string, { at: number; granted: boolean; requestId: string | undefined }>();
  for (const entry of history) {
    if (entry.gpc) continue;
    for (const [category, granted] of Object.entries(entry.categories)) {
      const seen = latest.get(category);
      if (!seen || entry.at >= seen.at) latest.set(category, { at: entry.at, granted, requestId: typeof entry.requestId === 'string' ? entry.requestId : undefined });
    }
  }
  return new Map(
    [...latest]
      .filter(([, c]) => !c.granted && c.requestId !== undefined)
      .map(([category, c]) => [category, requestTypes.get(c.requestId!) === 'opt_out' ? 'opt_out' : 'objection'] as const),
  );
}

/**
 * The access answer's recipients: every configured destination, and each deleted one that received the person's
 * data, each with what it had of the person's events (`Disclosure`) and whether the person's own objection (a
 * consent category it needs, refused by their request) or restriction stopped it for them.
 */
export function accessRecipients(
  targets: readonly DeletionTarget[],
  consentCategoriesOf: ReadonlyMap<string, readonly string[] | null>,
  person: { readonly restricted: boolean; readonly objected: ReadonlyMap<string, 'objection' | 'opt_out'> },
): AccessRecipient[] {
  return targets
    .filter((d) => d.deletedAt === undefined || (d.deliveries?.delivered ?? 0) > 0)
    .map((d): AccessRecipient => {
      const summary = d.deliveries;
      const withheld = summary && Object.keys(summary.dropped).length > 0 ? summary.dropped : undefined;
      const disclosure: Disclosure =
        summary && summary.delivered > 0 ? 'received' : summary && withheld && summary.failed === 0 && summary.waiting === 0 ? 'kept_from' : 'may_receive';
      // An objection says more than an opt-out (it stops every use the category covers), so it names the stop when both do.
      const refusals = (consentCategoriesOf.get(d.destinationId) ?? []).map((c) => person.objected.get(c)).filter((r) => r !== undefined);
      const objectedTo = refusals.length === 0 ? undefined : refusals.includes('objection') ? 'objection' : 'opt_out';
      const stoppedBecause: StoppedBecause | undefined = person.restricted ? 'restriction' : objectedTo;
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
