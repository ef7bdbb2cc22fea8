import { findCategory, type ConsentCategory } from '../core/consent/consent-category.js';
import { consentGate } from '../core/consent/consent-gate.js';
import type { ConsentState } from '../core/consent/resolve-consent.js';
import type { ClassifiedField } from '../core/pii/classify.js';
import { applyPiiActions, destinationActionFor, piiBlockedReason, type PiiAction, type PiiChange, type PiiPolicy } from '../core/pii/pii-policy.js';
import type { JsonObject, SegmentEvent } from '../protocol/segment-event.js';

/**
 * The event as it leaves Sluice: without the `_privacy` record of what the workspace policy changed. An event
 * without one is returned as is (callers never change it), so its stored serialization can be sent.
 */
export function withoutPrivacy(event: SegmentEvent): SegmentEvent {
  if (!Object.hasOwn(event, '_privacy')) return event;
  const { _privacy: _ignored, ...rest } = event;
  return rest as SegmentEvent;
}

/** What privacy decides for one event and one destination. */
export type DestinationVerdict =
  | { kind: 'deliver'; event: SegmentEvent; changes: PiiChange[] }
  | { kind: 'drop'; reason: string };

/**
 * The fan-out's per-destination privacy rules, in order: consent gate (`consent_denied:<category>` or
 * `gpc`), children (`child`: a child's events reach only destinations needing no optional category),
 * then the destination's PII action (Red and sensitive fields dropped unless the destination allows them;
 * `drop_event` -> `pii_blocked:<label>`). For a subject who limited the use of their sensitive data
 * (`sensitiveLimited`, CPRA 1798.121) Red and sensitive fields are dropped even where the destination allows or
 * hashes them (a hash is still a use); `redact` and `drop_event` stay. The event delivered is a copy; the stored
 * one is untouched.
 *
 * @example
 *   const verdict = privacyForDestination(item, { id: dest.id, consentCategories: dest.consentCategories }, categories, policy, hash);
 *   if (verdict.kind === 'drop') recordDropped(dest, item, verdict.reason);
 */
export function privacyForDestination(
  item: { event: SegmentEvent; consent?: ConsentState; child?: boolean; sensitiveLimited?: boolean; pii?: readonly ClassifiedField[] },
  destination: { id: string; consentCategories?: readonly string[] | undefined },
  categories: readonly ConsentCategory[],
  policy: PiiPolicy,
  hash: (value: string) => string,
  /** The event without `_privacy` (what leaves), when the caller already made it for another destination. */
  outgoing?: SegmentEvent,
): DestinationVerdict {
  if (item.consent) {
    const gate = consentGate(categories, destination.consentCategories, item.consent);
    if (gate.kind === 'drop') return gate;
  } else if ((destination.consentCategories ?? []).some((c) => !findCategory(categories, c)?.required)) {
    // No consent was resolved for this event: fail closed for destinations that need consent.
    return { kind: 'drop', reason: 'consent_denied:unknown' };
  }
  if (item.child && (destination.consentCategories ?? []).some((c) => !findCategory(categories, c)?.required)) return { kind: 'drop', reason: 'child' };
  const rest = outgoing ?? withoutPrivacy(item.event);
  // Only the fields whose action changes something (most are `allow`): the copy is made only when one does.
  const acting: { field: ClassifiedField; action: PiiAction }[] = [];
  for (const field of item.pii ?? []) {
    const action = limitedAction(destinationActionFor(field, policy, destination.id), field, item.sensitiveLimited === true);
    if (action === 'drop_event') return { kind: 'drop', reason: piiBlockedReason(field) };
    if (action !== 'allow') acting.push({ field, action });
  }
  if (acting.length === 0) return { kind: 'deliver', event: rest, changes: [] };
  const copy = structuredClone(rest) as SegmentEvent;
  const actions = new Map(acting.map((a) => [a.field, a.action]));
  const result = applyPiiActions(copy as unknown as JsonObject, acting.map((a) => a.field), (f) => actions.get(f), hash);
  if (result.dropReason) return { kind: 'drop', reason: result.dropReason };
  return { kind: 'deliver', event: copy, changes: result.changes };
}

/**
 * What a limit on the use of sensitive data (CPRA 1798.121) takes from an event already made for a destination
 * without it (a delivery job queued before the limit was stored): the Red and sensitive fields whose action at
 * this destination `privacyForDestination` would have changed for a limited subject (allowed or hashed: dropped).
 * What the destination's action already did stays as it is (a redacted field, a hashed Yellow one: not done
 * twice). `pii` classifies `event` as it is now. The event is returned as is when nothing changes, else a copy.
 */
export function withSensitiveLimit(event: SegmentEvent, pii: readonly ClassifiedField[], policy: PiiPolicy, destinationId: string): { event: SegmentEvent; changes: PiiChange[] } {
  const limited = (field: ClassifiedField) => limitedAction(destinationActionFor(field, policy, destinationId), field, true);
  const acting = pii.filter((field) => limited(field) !== destinationActionFor(field, policy, destinationId));
  if (acting.length === 0) return { event, changes: [] };
  const copy = structuredClone(event);
  // Only `drop_field` can come out of the limit here, so nothing is hashed.
  const { changes } = applyPiiActions(copy as unknown as JsonObject, acting, limited, (value) => value);
  return { event: copy, changes };
}

/** A field's action for a subject who limited the use of their sensitive data: Red and sensitive fields never leave. */
function limitedAction(action: PiiAction, field: ClassifiedField, limited: boolean): PiiAction {
  if (!limited || (field.level !== 'sensitive' && field.level !== 'red')) return action;
  return action === 'allow' || action === 'hash' ? 'drop_field' : action;
}
