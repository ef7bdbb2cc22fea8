import { bestPerDestination, correctionRecipientsOf, type CorrectionRecipient } from './correction.js';
import { objectionDecisionsOf } from './objection-purposes.js';
import type { PrivacyRequest } from './request.js';
import { NAMED_TRAITS, type NamedTrait, type SubjectEmailText } from './subject-email-text.js';

/** Drop reasons that mean the destination does not receive the person's data at all (their choices, their age, a restriction). */
const NOT_A_RECIPIENT = /^(consent_denied|gpc|restricted|child|suppressed)/;

/**
 * How one destination's delivery of a correction is told to the person (GDPR Art. 19: who was told). Only a delivered
 * one was told; a failed one is said to be not told yet, and followed up by the privacy team (correction-follow-up.ts).
 */
function correctionOutcome(r: CorrectionRecipient, text: SubjectEmailText): string {
  const said = text.correction.outcomes;
  if (r.status === 'delivered') return said.delivered;
  if (r.status === 'dropped') return r.reason !== null && NOT_A_RECIPIENT.test(r.reason) ? said.notRecipient : said.notConfigured;
  if (r.status === 'failed') return said.failed;
  return said.onItsWay;
}

/** The correction's recipients and whether each was told, for the person (the completion notice and its update). */
export function correctionRecipientLines(request: Pick<PrivacyRequest, 'result'>, text: SubjectEmailText): string[] {
  return bestPerDestination(correctionRecipientsOf(request.result) ?? []).map((r) => text.recipient(r.name, correctionOutcome(r, text)));
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const isNamedTrait = (trait: string): trait is NamedTrait => (NAMED_TRAITS as readonly string[]).includes(trait);

/**
 * What a completed request did, told to the person in plain words in `text`'s language, for the types whose answer
 * is an action rather than a file (access, know and delete have their own): what changed (corrected traits by their
 * names in the language, consent categories by their labels: `categoryLabel`), and for a correction who was told
 * (Art. 19), for a restriction that they are told before it is lifted (Art. 18(3)), for an opt-out that it was
 * honoured (CCPA regs 7025(c)(6)). Undefined for the others, which get the plain "We completed your request".
 */
export function completionLines(request: PrivacyRequest, text: SubjectEmailText, categoryLabel: (id: string) => string): string[] | undefined {
  const result = (typeof request.result === 'object' && request.result !== null ? request.result : {}) as Record<string, unknown>;
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(text.listSeparator) : undefined);
  switch (request.type) {
    case 'correct': {
      const traits = stringsOf(result['traits']).map((t) => (isNamedTrait(t) ? text.correction.traits[t] : t));
      const lines = [text.correction.corrected(list(traits))];
      const recipients = correctionRecipientLines(request, text);
      if (recipients.length > 0) lines.push('', text.correction.whoWasTold, ...recipients);
      return lines;
    }
    case 'restrict':
      return [...text.restriction];
    case 'object': {
      // Purposes the team decided (decision 0607): the stopped ones are uses stopped; each refused one is said with its
      // grounds, and under the GDPR with the right to complain. Before decisions, every purpose given was listed.
      const decisions = objectionDecisionsOf(request.result);
      const categories = stringsOf(result['deniedCategories']);
      const stoppedPurposes = decisions ? decisions.filter((d) => d.outcome === 'stopped').map((d) => d.purpose) : stringsOf(result['purposes']);
      const refused = decisions?.filter((d) => d.outcome === 'refused') ?? [];
      const uses = [...categories.map(categoryLabel), ...stoppedPurposes];
      const lines = uses.length > 0 || refused.length === 0 ? [text.objection.stopped(list(uses)), ...(categories.length > 0 ? [text.objection.until] : [])] : [];
      for (const d of refused) lines.push(...(lines.length > 0 ? [''] : []), text.objection.notStopped(d.purpose, d.note));
      if (refused.length > 0 && request.regulation === 'gdpr') lines.push('', text.denied.gdprRemedies);
      return lines;
    }
    case 'opt_out':
      return [...text.optOut];
    case 'limit_sensitive':
      return [...text.limitSensitive];
    default:
      return undefined;
  }
}
