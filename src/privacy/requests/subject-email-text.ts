import type { RequestType } from './request.js';

/** The traits the hosted page lets a person correct, named in the correction's email (others by their key). */
export const NAMED_TRAITS = ['name', 'firstName', 'lastName', 'phone', 'title', 'email'] as const;
export type NamedTrait = (typeof NAMED_TRAITS)[number];

/**
 * Every sentence of the emails Sluice sends a data subject about their request, in one language
 * (`SUBJECT_EMAIL_TEXTS`). Dates and times come in already written for the language (`readableDay`,
 * `readableTime`); `what` is the language's own phrase for the request (`what[type]`), written to follow "your
 * request" in its sentences (English "for a copy of ...", German "auf Auskunft ...", French "d'accès ...").
 */
export interface SubjectEmailText {
  /** What the person asked for, as it follows "your request" in this language's sentences. */
  readonly what: Readonly<Record<RequestType, string>>;
  readonly reference: (id: string) => string;
  /** "Why: <reason>", for a reason written by the privacy team (quoted as written). */
  readonly why: (reason: string) => string;
  readonly reasonNotGiven: string;
  /** The 6-digit code that confirms a request made on the hosted page. */
  readonly code: { readonly subject: string; readonly lines: (p: { code: string; what: string; id: string; expiresAt: string; attempts: number }) => readonly string[] };
  /** The 6-digit code for a new download link (no request yet: the hosted page's language). */
  readonly newLinkCode: { readonly subject: string; readonly lines: (p: { code: string; expiresAt: string; attempts: number }) => readonly string[] };
  readonly received: { readonly subject: string; readonly lines: (p: { on: string; what: string; by: string }) => readonly string[]; readonly codeNote: string };
  readonly extended: { readonly subject: string; readonly lines: (p: { what: string; why: string; by: string }) => readonly string[] };
  /** A refusal: its reason, and under the GDPR the right to complain and to a judicial remedy (Art. 12(4)). */
  readonly denied: { readonly subject: string; readonly intro: (what: string) => string; readonly gdprRemedies: string };
  readonly completed: { readonly subject: string; readonly generic: (what: string) => string };
  readonly linkSent: { readonly subject: string; readonly intro: string };
  /** A download link's last moment, and to keep it private. */
  readonly linkUntil: (time: string) => string;
  readonly access: { readonly ready: string; readonly file: string };
  readonly know: { readonly ready: string; readonly file: string };
  readonly deletion: {
    readonly done: string;
    readonly askedRecipients: string;
    readonly hashedRecordKept: string;
    readonly updateSubject: string;
    /** Where the data stands at each recipient, after `why`. */
    readonly whereItStands: (why: string) => string;
    readonly jobsSettled: (what: string) => string;
    readonly confirmedByHand: string;
    /** Each recipient's outcome as the person is told it. */
    readonly outcomes: { readonly deleted: string; readonly submitted: string; readonly notSupported: string; readonly notRecipient: string; readonly failed: string };
  };
  readonly correction: {
    readonly corrected: (traits: string | undefined) => string;
    readonly whoWasTold: string;
    /** Only a delivered recipient was told; a failed one is followed up by the privacy team (correction follow-ups), one still under way is on its way. */
    readonly outcomes: { readonly delivered: string; readonly notRecipient: string; readonly notConfigured: string; readonly failed: string; readonly onItsWay: string };
    /** The update sent once the recipients that had not accepted the correction have it (after the team sent it again). */
    readonly updateSubject: string;
    readonly updateIntro: string;
    /** The update's first line when some recipient was told by hand (another way), not only sent it again. */
    readonly updateIntroToldOtherwise: string;
    readonly traits: Readonly<Record<NamedTrait, string>>;
  };
  readonly restriction: readonly string[];
  readonly objection: {
    readonly stopped: (uses: string | undefined) => string;
    readonly until: string;
    /** A purpose the privacy team did not stop, and its grounds as the team wrote them (GDPR Art. 21(1)). */
    readonly notStopped: (use: string, why: string) => string;
  };
  readonly optOut: readonly string[];
  readonly limitSensitive: readonly string[];
  /**
   * Sluice's own reasons for closing a request made on the hosted page whose identity was not verified: the denial's
   * reason (kept with the request, and told in its denial email), in the request's language.
   */
  readonly unverified: { readonly codeExpired: string; readonly wrongCodes: (n: number) => string; readonly notEntered: (days: number) => string };
  /** One service in a list of recipients and what happened there: "- CRM: deleted" (French "- CRM : effacées"). */
  readonly recipient: (name: string, said: string) => string;
  /** How a list is joined ("analytics, advertising"). */
  readonly listSeparator: string;
}
