import { findCategory, type ConsentCategory } from '../../core/consent/consent-category.js';
import { SluiceError } from '../../core/errors.js';
import type { PrivacyRequest } from './request.js';
import type { RequestTransitions } from './request-transitions.js';
import { nameOf, type StepActor } from './step-actor.js';

/**
 * An objection's free-text purposes (GDPR Art. 21): what the person objects to in their own words ("credit scoring",
 * "the newsletter"). Sluice can stop only what a consent category covers; a purpose that names no category of the
 * workspace needs a person of the privacy team to decide (decision 0607): the request waits (`processing`, parked)
 * with the purposes listed, the categories it names are denied at once, and the team records for each purpose what it
 * stopped, or why it refuses (compelling legitimate grounds, Art. 21(1)); an objection to direct marketing is never
 * refused (Art. 21(3)).
 */

/** When a parked request would be tried again: never by itself (a person's decision completes it). */
export const WAITS_FOR_A_PERSON = Number.MAX_SAFE_INTEGER;

/** An objection's purposes, split: those naming a consent category (by id or name, any case), and those a person decides. */
export function splitPurposes(purposes: readonly string[], categories: readonly ConsentCategory[]): { categoryIds: string[]; needDecision: string[] } {
  const categoryIds: string[] = [];
  const needDecision: string[] = [];
  for (const purpose of purposes) {
    const category = findCategory(categories, purpose.trim());
    if (category) categoryIds.push(category.id);
    else if (!needDecision.includes(purpose)) needDecision.push(purpose);
  }
  return { categoryIds, needDecision };
}

/** What the executor keeps while an objection waits for the team: the categories denied already, and the purposes to decide. */
export interface ObjectionWaiting {
  readonly objection: { readonly deniedCategories: readonly string[]; readonly awaiting: readonly string[] };
}

/** The purposes a parked objection waits on a person for (empty for any other request). */
export function objectionPurposesToDecide(request: Pick<PrivacyRequest, 'type' | 'status' | 'workState'>): string[] {
  if (request.type !== 'object' || request.status !== 'processing') return [];
  const awaiting = (request.workState as Partial<ObjectionWaiting> | null | undefined)?.objection?.awaiting;
  return Array.isArray(awaiting) ? awaiting.filter((p): p is string => typeof p === 'string') : [];
}

/** One purpose decided by the team: stopped (and how), or refused (and the compelling legitimate grounds). */
export interface ObjectionDecision {
  readonly purpose: string;
  readonly outcome: 'stopped' | 'refused';
  /** What was stopped and where, or the grounds for continuing (told to the person). */
  readonly note: string;
  readonly decidedBy: string;
  readonly decidedAt: string;
}

/** A completed objection's decisions by the team (undefined when it had none to make). */
export function objectionDecisionsOf(result: unknown): ObjectionDecision[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const decisions = (result as { decisions?: unknown }).decisions;
  return Array.isArray(decisions) ? (decisions as ObjectionDecision[]) : undefined;
}

/**
 * Words that mark a purpose as direct marketing (in the languages the hosted page speaks): an objection to it must
 * always be honoured (Art. 21(3)), so the team cannot record it as refused. A guard, not a classifier: the team
 * remains responsible for recognising direct marketing that uses none of these words.
 */
const DIRECT_MARKETING = /marketing|newsletter|advertis|\bads?\b|promotion|mailing|werbung|reklame|publicit|pubblicit|publicidad|prospec|mercadotecnia|reclame|direct ?mail|e-?mail campaigns?|profil(?:ing|ierung|age) for (?:ads|marketing)/i;

export function looksLikeDirectMarketing(purpose: string): boolean {
  return DIRECT_MARKETING.test(purpose);
}

/**
 * The team's decision on a parked objection: every purpose it waits on, each `stopped` or `refused` with a note. The
 * request completes (answered now) with the decisions in its result, a step of its history naming who decided
 * (`completed`, the note listing each decision) and an audit entry; the person's email says what was stopped, and what
 * was not and why, with their right to complain (GDPR). `request_state_conflict` when it waits on no decision;
 * `validation_failed` when the decisions do not cover exactly its purposes, or a refusal has no grounds;
 * `direct_marketing_objection` when a refusal names direct marketing.
 */
export async function decideObjection(
  steps: RequestTransitions,
  workspaceId: string,
  id: string,
  decisions: readonly { readonly purpose: string; readonly outcome: 'stopped' | 'refused'; readonly note: string }[],
  by: StepActor,
  retainUntil: (respondedAt: number) => number,
): Promise<PrivacyRequest> {
  const request = await steps.load(workspaceId, id);
  const awaiting = objectionPurposesToDecide(request);
  if (awaiting.length === 0) {
    throw new SluiceError('request_state_conflict', `Request ${id} is a ${request.status} ${request.type} request that waits on no decision: only an objection whose purposes name no consent category waits for the team (GET /api/v1/privacy-requests/objection-decisions lists them).`);
  }
  const given = decisions.map((d) => d.purpose);
  const missing = awaiting.filter((p) => !given.includes(p));
  const extra = given.filter((p, i) => !awaiting.includes(p) || given.indexOf(p) !== i);
  if (missing.length > 0 || extra.length > 0) {
    throw new SluiceError(
      'validation_failed',
      `decisions must name each purpose the objection waits on exactly once, as written: ${awaiting.map((p) => JSON.stringify(p)).join(', ')}${missing.length > 0 ? `; missing ${missing.map((p) => JSON.stringify(p)).join(', ')}` : ''}${extra.length > 0 ? `; not awaited or named twice: ${extra.map((p) => JSON.stringify(p)).join(', ')}` : ''}.`,
    );
  }
  const marketing = decisions.filter((d) => d.outcome === 'refused' && looksLikeDirectMarketing(d.purpose));
  if (marketing.length > 0) {
    throw new SluiceError(
      'direct_marketing_objection',
      `${marketing.map((d) => JSON.stringify(d.purpose)).join(', ')} ${marketing.length === 1 ? 'reads' : 'read'} as direct marketing: an objection to it must always be honoured (GDPR Art. 21(3)), whatever the grounds. Stop it (outcome "stopped", noting what was stopped and where).`,
    );
  }
  const now = steps.now();
  const at = new Date(now).toISOString();
  const decided: ObjectionDecision[] = decisions.map((d) => ({ purpose: d.purpose, outcome: d.outcome, note: d.note.trim(), decidedBy: nameOf(by), decidedAt: at }));
  const waiting = (request.workState as ObjectionWaiting).objection;
  const purposes = request.params.purposes ?? [];
  const result = { kind: 'object', deniedCategories: [...waiting.deniedCategories], purposes: [...purposes], decisions: decided };
  const note = decided.map((d) => `${JSON.stringify(d.purpose)}: ${d.outcome}: ${d.note}`).join('; ');
  return steps.move(
    request,
    'completed',
    { result, respondedAt: now, retainUntil: retainUntil(now), leaseUntil: null, nextAttemptAt: null, failure: null, workState: null, statusCheckAt: null },
    by,
    'completed',
    `decided by the privacy team: ${note}`,
  );
}
