import { bestPerDestination, correctionRecipientsOf, type CorrectionRecipient } from './correction.js';
import type { PrivacyRequest } from './request.js';

/** Drop reasons that mean the destination does not receive the person's data at all (their choices, their age, a restriction). */
const NOT_A_RECIPIENT = /^(consent_denied|gpc|restricted|child|suppressed)/;

/**
 * How one destination's delivery of a correction is told to the person (GDPR Art. 19: who was told). Only a delivered
 * one was told; a failed one is said to be not told yet, and followed up by the privacy team (correction-follow-up.ts).
 */
function correctionOutcome(r: CorrectionRecipient): string {
  if (r.status === 'delivered') return 'told of the correction';
  if (r.status === 'dropped') return r.reason !== null && NOT_A_RECIPIENT.test(r.reason) ? 'not told: it does not receive your data, under your privacy choices' : 'not told: it is set up not to receive this kind of data';
  if (r.status === 'failed') return 'not told yet: it did not accept the correction; we are following this up and will write to you once it has it';
  return 'not told yet: the correction is on its way to it';
}

/** The correction's recipients and whether each was told, for the person (the completion notice and its update). */
export function correctionRecipientLines(request: Pick<PrivacyRequest, 'result'>): string[] {
  return bestPerDestination(correctionRecipientsOf(request.result) ?? []).map((r) => `- ${r.name}: ${correctionOutcome(r)}`);
}


const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/**
 * What a completed request did, told to the person in plain words, for the types whose answer is an action rather
 * than a file (access, know and delete have their own): what changed, and for a correction who was told (Art. 19),
 * for a restriction that they are told before it is lifted (Art. 18(3)), for an opt-out that it was honoured (CCPA
 * regs 7025(c)(6)). Undefined for the others, which get the plain "We completed your request".
 */
export function completionLines(request: PrivacyRequest): string[] | undefined {
  const result = (typeof request.result === 'object' && request.result !== null ? request.result : {}) as Record<string, unknown>;
  switch (request.type) {
    case 'correct': {
      const traits = stringsOf(result['traits']);
      const lines = [traits.length > 0 ? `We corrected your personal data: ${traits.join(', ')}.` : 'We corrected your personal data.'];
      const recipients = correctionRecipientLines(request);
      if (recipients.length > 0) lines.push('', 'The services that receive your data, and whether we could tell them of the correction:', ...recipients);
      return lines;
    }
    case 'restrict':
      return [
        'We restricted the processing of your personal data: we keep it, but no longer use it or send it to other services.',
        'This lasts until the restriction is lifted at your request; we will tell you before it is lifted.',
      ];
    case 'object': {
      const categories = stringsOf(result['deniedCategories']);
      const purposes = stringsOf(result['purposes']);
      const uses = [...categories, ...purposes];
      return [
        uses.length > 0 ? `We stopped using your personal data for: ${uses.join(', ')}.` : 'We stopped using your personal data for the purposes you objected to.',
        'This holds until you give your consent again (for example in our cookie banner).',
      ];
    }
    case 'opt_out':
      return ['Opt-Out Request Honored: we no longer sell or share your personal information.', 'This holds until you opt in again.'];
    case 'limit_sensitive':
      return ['We now use your sensitive personal information only as needed to provide our service, and no longer send it to other services.'];
    default:
      return undefined;
  }
}
