import { findCategory, type ConsentCategory } from '../../core/consent/consent-category.js';
import { SluiceError } from '../../core/errors.js';
import { languageOfTag, LANGUAGES, type Language } from '../../core/i18n/languages.js';
import { isBlockedIdentifier } from '../../core/identity/blocked-identifiers.js';
import type { Regulation } from './deadlines.js';
import type { AuthorizedAgent, RequestChannel, RequestParams, RequestSubject, RequestType } from './request.js';

/** A new request as asked for (admin API, the subject's intake, Sluice itself), before it is recorded. */
export interface NewRequestInput {
  readonly type: RequestType;
  readonly subject: RequestSubject;
  readonly regulation?: Regulation;
  readonly params?: RequestParams;
  /** The caller vouches that the subject's identity was verified. */
  readonly verified?: boolean;
  readonly agent?: AuthorizedAgent;
  readonly contactEmail?: string;
  /** The language the subject is written to in (ISO 639-1, or a tag read by its primary subtag: `de-AT`); default English. */
  readonly language?: string;
  readonly channel: RequestChannel;
  /** Why the request was opened, recorded with its first step (e.g. what Sluice saw when it opened one itself). */
  readonly note?: string;
}

/** Each type-specific parameter, the types it applies to, and what it does there: given to another type it would be ignored. */
const PARAMETERS: readonly (readonly [keyof RequestParams, readonly RequestType[], string])[] = [
  ['traits', ['correct'], 'the corrected values'],
  ['categories', ['object'], 'the consent categories objected to'],
  ['purposes', ['object'], 'the purposes objected to'],
  ['suppress', ['delete'], 'whether a hashed suppression entry keeps the erased person out'],
];

/**
 * Refuses (`validation_failed`, saying what to change) a request that names no one, names a placeholder identifier,
 * carries a parameter its type would ignore, or objects to a category the workspace does not have.
 */
export function validateRequestInput(input: NewRequestInput, categories: readonly ConsentCategory[]): void {
  validateInput(input);
  validateCategories(input, categories);
  requestLanguageOf(input);
}

function validateInput(input: NewRequestInput): void {
  const { userId, anonymousId, email } = input.subject;
  if (!userId && !anonymousId && !email) {
    throw new SluiceError('validation_failed', 'The subject needs at least one identifier: subject.userId, subject.anonymousId or subject.email.');
  }
  // "null", "undefined", "anonymous", "0", ...: what apps send for people they do not know. Such a value names
  // nobody (the identity graph never links it), and every visitor's events may carry it: a deletion would erase
  // them all, a suppression would drop them all from then on.
  for (const [field, value] of [['userId', userId], ['anonymousId', anonymousId]] as const) {
    if (value && isBlockedIdentifier(value)) {
      throw new SluiceError(
        'validation_failed',
        `subject.${field} ${JSON.stringify(value)} is a placeholder apps send for people they do not know (like null, undefined, anonymous, 0 or -1): it names no one person, and a request on it would act on every visitor's events that carry it. Name the person's own userId, anonymousId or email.`,
      );
    }
  }
  for (const [param, types, what] of PARAMETERS) {
    if (input.params?.[param] !== undefined && !types.includes(input.type)) {
      throw new SluiceError('validation_failed', `\`${param}\` applies to ${types.join(' and ')} requests only, not to ${input.type} requests${input.type === 'opt_out' && param === 'categories' ? ' (an opt-out denies the categories marked gpc: true; to object to other categories, make an object request)' : ''}: ${what}. Leave it out, or choose the type it belongs to.`);
    }
  }
  if (input.type === 'correct' && (!input.params?.traits || Object.keys(input.params.traits).length === 0)) {
    throw new SluiceError('validation_failed', 'A correct request carries the corrected values as `traits` (an object with at least one trait).', { path: 'traits' });
  }
  if (input.agent && !input.agent.proofReference.trim()) {
    throw new SluiceError('validation_failed', 'An authorized agent needs `agent.proofReference`: the reference of the signed permission or power of attorney (CCPA 7063).');
  }
}

/**
 * The language a new request's emails are written in: the one asked for (`de`, or `de-AT` read as `de`), English
 * when none is. One Sluice does not write in is refused (`validation_failed`), naming those it does.
 */
export function requestLanguageOf(input: Pick<NewRequestInput, 'language'>): Language {
  if (input.language === undefined) return 'en';
  const language = languageOfTag(input.language);
  if (language) return language;
  throw new SluiceError('validation_failed', `language ${JSON.stringify(input.language)} is not a language Sluice writes to data subjects in: use one of ${LANGUAGES.join(', ')} (ISO 639-1), or leave language out for English.`, { language: input.language, languages: [...LANGUAGES] });
}

/**
 * An objection names consent categories of the workspace (by id or name, any case): one it does not have would be
 * accepted, then fail at every attempt while the legal clock runs, so it is refused at intake.
 */
function validateCategories(input: NewRequestInput, categories: readonly ConsentCategory[]): void {
  const unknown = (input.params?.categories ?? []).filter((key) => !findCategory(categories, key));
  if (input.type !== 'object' || unknown.length === 0) return;
  throw new SluiceError(
    'validation_failed',
    `categories names ${unknown.map((k) => JSON.stringify(k)).join(', ')}, which ${unknown.length === 1 ? 'is not a consent category' : 'are not consent categories'} of this workspace; it has ${categories.map((c) => c.id).join(', ')}. Name those objected to, or leave categories out to object to every optional one.`,
  );
}
