import type { CcpaFlow, LegalBasis, Purpose, RecipientCategory } from '../../core/privacy/disclosure-profile.js';
import type { KnowCategory } from './know-report.js';
import type { RequestStatus, RequestType } from './request.js';

/** The ways a consent choice reached the ledger, as the access page names them. */
export type ConsentWay = 'banner' | 'api' | 'gpc';

/** Why deliveries to a service were withheld, as the access page names it (`withheldBecause`). */
export type WithheldWhy = 'consent' | 'gpc' | 'suppressed' | 'restricted' | 'child' | 'pii' | 'settings';

/**
 * Every sentence, heading and label of the pages a data subject reads behind their download links, in one language
 * (`READABLE_PAGE_TEXTS`): the access page (`access-export-html.ts`), the CCPA know report (`know-report-html.ts`)
 * and the page of a wrong or expired link. Dates come in already written for the language (`readableTime`); values
 * (names, identifiers, the business's own descriptions) are passed in as they are. Built-in vocabularies (purposes,
 * kinds of recipient, legal bases, CCPA categories) are translated here; the workspace's own words are not.
 */
export interface ReadablePageText {
  /** The link to the same data as JSON: the sentence before it, and the link's text. */
  readonly file: { readonly access: string; readonly know: string; readonly download: string };
  /** Table cells shared by both pages. */
  readonly noneAtAll: string;
  readonly access: {
    readonly title: string;
    readonly intro: (p: { date: string; id: string }) => string;
    readonly identity: { readonly heading: string; readonly head: readonly [string, string]; readonly none: string };
    readonly identifiers: { readonly userId: string; readonly anonymousId: string; readonly email: string };
    readonly profile: { readonly heading: string; readonly seen: (p: { first: string; last: string }) => string; readonly head: readonly [string, string]; readonly none: string; readonly noDetails: string };
    readonly recipients: {
      readonly heading: string;
      readonly intro: string;
      readonly head: readonly [string, string, string, string, string, string];
      readonly none: string;
      /** Delivered `events` of the person's events, on one day or between two. */
      readonly received: (p: { events: number; from: string; to: string }) => string;
      readonly receivedOnce: (p: { events: number; on: string }) => string;
      readonly mayReceive: string;
      /** Every event kept from it: `reasons` is a list of `withheldCount`. */
      readonly keptFrom: (reasons: string) => string;
      readonly withheldCount: (p: { why: string; n: number }) => string;
      readonly withheld: Readonly<Record<WithheldWhy, string>>;
      /** What a described recipient is and why it has the data. */
      readonly described: (p: { kind: string; purposes: string; basis: string }) => string;
      readonly notDescribed: string;
      readonly where: (p: { country: string; safeguards: string | undefined }) => string;
      readonly noLongerConnected: (since: string) => string;
    };
    /** A service's or a purpose's use of the data stopped for the person, and why. */
    readonly stopped: { readonly objection: string; readonly optOut: string; readonly restriction: string };
    readonly processing: {
      readonly heading: string;
      readonly controller: (p: { name: string; contact: string | undefined }) => string;
      readonly dpo: (who: string) => string;
      readonly head: readonly [string, string, string];
      readonly inUse: string;
      readonly none: string;
      readonly retention: {
        readonly events: (days: number | null) => string;
        readonly ip: (days: number) => string;
        readonly profile: string;
        readonly consent: string;
        readonly requests: string;
      };
    };
    readonly consent: {
      readonly heading: string;
      readonly head: readonly [string, string, string, string, string, string];
      readonly none: string;
      readonly allowed: string;
      readonly refused: string;
      readonly ways: Readonly<Record<ConsentWay, string>>;
      readonly byRequest: (id: string) => string;
      /** A banner's short name, linking to it below the choices: "banner 1". */
      readonly bannerLabel: (n: number) => string;
    };
    readonly banners: {
      readonly heading: string;
      readonly policyVersion: (version: string) => string;
      readonly buttons: (list: string) => string;
      readonly version: (p: { version: string; firstShown: string }) => string;
    };
    readonly restrictions: { readonly heading: string; readonly head: readonly [string, string]; readonly processing: string; readonly sensitive: string };
    readonly flags: {
      readonly heading: string;
      readonly head: readonly [string, string, string, string];
      /** The `child` flag: under the workspace's age threshold, so their data is protected as a child's. */
      readonly child: string;
      /** Why: the age an event showed, under the threshold. */
      readonly childAge: (p: { age: number; threshold: number }) => string;
    };
    readonly requests: {
      readonly heading: string;
      readonly head: readonly [string, string, string, string, string];
      readonly types: Readonly<Record<RequestType, string>>;
      readonly statuses: Readonly<Record<RequestStatus, string>>;
    };
    readonly rights: { readonly heading: string; readonly gdpr: readonly string[]; readonly ccpa: readonly string[] };
    readonly activity: {
      readonly heading: string;
      readonly head: readonly [string, string, string];
      readonly none: string;
      readonly count: (n: number) => string;
      readonly everything: string;
      readonly page: (name: string | undefined) => string;
      readonly screen: (name: string | undefined) => string;
      readonly identify: string;
      readonly group: string;
      readonly alias: string;
    };
  };
  readonly know: {
    readonly title: string;
    readonly intro: (p: { from: string; to: string; id: string }) => string;
    readonly soldOrShared: {
      readonly heading: string;
      readonly head: readonly [string, string];
      readonly sold: string;
      readonly shared: string;
      readonly yes: string;
      readonly no: string;
      readonly cannotSay: string;
    };
    readonly held: { readonly heading: string; readonly head: readonly [string, string]; readonly none: string; readonly events: (p: { n: number; types: string }) => string };
    readonly categories: Readonly<Record<KnowCategory, string>>;
    readonly sources: { readonly heading: string; readonly head: readonly [string, string, string]; readonly none: string; readonly directly: string };
    readonly purposes: { readonly heading: string; readonly head: readonly [string, string]; readonly none: string; readonly consentCategory: string };
    readonly recipients: {
      readonly heading: string;
      readonly head: readonly [string, string, string, string, string];
      readonly none: string;
      readonly notDescribedYet: string;
      readonly notKnownYet: string;
      readonly flows: Readonly<Record<CcpaFlow, string>>;
      readonly noLongerConnected: (since: string) => string;
    };
    readonly note: { readonly heading: string; readonly undescribed: (names: string) => string };
  };
  /** The page of a download link that does not work. */
  readonly wrongLink: { readonly title: string; readonly heading: string; readonly expired: string; readonly invalid: string };
  /** The built-in vocabularies of the workspace's disclosures, as the person reads them. */
  readonly purposes: Readonly<Record<Purpose, string>>;
  readonly recipientKinds: Readonly<Record<RecipientCategory, string>>;
  /** As it follows "on the basis of" in `described`, or after "legal basis:" where the language says it so. */
  readonly legalBases: Readonly<Record<LegalBasis, string>>;
  /** How a list is joined ("analytics, advertising"). */
  readonly listSeparator: string;
}
