/** The page's choices: the API's request types a person may make, and asking for a new download link. */
export const PAGE_CHOICES = ['access', 'delete', 'know', 'correct', 'opt_out', 'limit_sensitive', 'object', 'restrict', 'new_link'] as const;
export type PageChoice = (typeof PAGE_CHOICES)[number];

/** The details a person can correct on the page (profile traits of Segment's spec; an email is corrected by the team). */
export const PAGE_TRAITS = ['name', 'firstName', 'lastName', 'phone', 'title'] as const;
export type PageTrait = (typeof PAGE_TRAITS)[number];

/**
 * What the page's script says, in one language. `{name}` placeholders are filled in the browser: `{to}` a masked
 * address, `{id}` a request's reference, `{date}` a date the browser writes in the page's language, `{status}` an
 * HTTP status, `{n}` a count, `{what}` one of `linkedAccess`/`linkedKnow`, `{requests}` a list of `linkedRequest`s.
 */
export interface PageScriptText {
  readonly sending: string;
  readonly needEmail: string;
  readonly needTraitValue: string;
  readonly needBrowserIdOrEmail: string;
  readonly codeDigits: string;
  readonly codeSent: string;
  readonly codeNotSent: string;
  readonly linkCodeNotSent: string;
  readonly confirmed: string;
  readonly noLinks: string;
  readonly linksSent: string;
  readonly linkedAccess: string;
  readonly linkedKnow: string;
  readonly linkedRequest: string;
  readonly linkedRequestAnswered: string;
  readonly serverError: string;
  /**
   * The API's errors a person meets on the page, in the page's language: every answer the page can get is said in
   * it (a server fault by `serverError`), never the API's English message.
   * `codeWrong` by plural category (`Intl.PluralRules`) of the attempts left, `{n}`.
   */
  readonly errors: {
    readonly codeWrong: { readonly one: string; readonly other: string };
    readonly attemptsExceeded: string;
    readonly codeExpired: string;
    readonly tooManyRequests: string;
    readonly stateConflict: string;
    readonly notFound: string;
    /** A value the API's schema refused (`validation_failed` with `path`), said for the field it names. */
    readonly emailInvalid: string;
    readonly traitInvalid: string;
    /** Any other refusal of what was sent (`validation_failed` without a field the page shows, an unreadable body). */
    readonly invalidRequest: string;
    /** The page's writeKey is missing, unknown or its source disabled (`missing_write_key`, `unknown_source`, `source_disabled`). */
    readonly siteNotSetUp: string;
    /** The server could not be reached at all (the request failed before any answer). */
    readonly network: string;
  };
}

/** Every label and sentence of the hosted privacy page, in one language (`PRIVACY_PAGE_TEXTS`). */
export interface PrivacyPageText {
  /** The heading; the window title adds the site's name. */
  readonly title: string;
  readonly intro: (site: string) => string;
  readonly whatLabel: string;
  readonly choices: Readonly<Record<PageChoice, string>>;
  readonly traitLabel: string;
  readonly traitValueLabel: string;
  readonly traits: Readonly<Record<PageTrait, string>>;
  readonly emailLabel: string;
  readonly emailHint: string;
  /** The hint when asking for a new link: the address the answer went to. */
  readonly newLinkHint: string;
  /** The hint when the choice needs no email (an opt-out): the browser itself can be opted out (CCPA regs 7025, 7026). */
  readonly optionalEmailHint: string;
  readonly regulationLabel: string;
  readonly regulationSiteDecides: string;
  readonly regulationGdpr: string;
  readonly regulationCcpa: string;
  readonly submit: string;
  readonly codeLabel: string;
  readonly confirm: string;
  readonly script: PageScriptText;
}
