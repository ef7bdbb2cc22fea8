import { controllerProfileOf, LEGAL_BASIS_LABELS, PURPOSE_LABELS, RECIPIENT_LABELS, type ControllerProfile, type Purpose, type RecipientProfile } from '../../core/privacy/disclosure-profile.js';
import { readPrivacySettings } from '../../core/privacy/privacy-settings.js';
import type { Store } from '../../store/store.js';
import type { AccessRecipient, Disclosure, StoppedBecause } from './access-export-recipients.js';
import type { Regulation } from './deadlines.js';

/** A service that received or may receive the person's data, with what the workspace described of it (`PUT /disclosures/destinations/:id`). */
export interface ProcessingRecipient {
  readonly name: string;
  /** Whether it has the person's data (`AccessRecipient.disclosure`). */
  readonly disclosure: Disclosure;
  /** Its purposes stopped for the person: their objection or restriction. */
  readonly stoppedBecause?: StoppedBecause;
  readonly described: boolean;
  readonly recipientCategory?: string;
  readonly purposes?: readonly string[];
  readonly legalBasis?: string;
  readonly country?: string;
  readonly retention?: string;
  readonly transferSafeguards?: string;
}

/**
 * What an access answer must say besides the data itself (GDPR Art. 15(1)(a)-(f) and 15(2)): who the controller is,
 * why the data is used and on what basis, to whom it went (with each recipient's country, retention and transfer
 * safeguards), how long Sluice keeps it, and the person's rights, including complaining to a supervisory authority.
 * Read from the workspace's disclosures and privacy settings; a recipient the workspace never described says
 * `described: false` (the Reports page lists such gaps for the privacy team).
 */
export interface ProcessingInformation {
  readonly controller: { readonly name: string; readonly contact: string; readonly dpoName?: string; readonly dpoContact?: string } | null;
  /**
   * The purposes of the recipients that have or may receive the person's data (not those every event of theirs was
   * kept from): `stopped` when every recipient with that purpose stopped for them (their objection or restriction).
   */
  readonly purposes: readonly ProcessingPurpose[];
  readonly recipients: readonly ProcessingRecipient[];
  readonly retention: readonly string[];
  readonly rights: readonly string[];
}

/** A purpose the person's data is (or was) used for, and whether that stopped for them. */
export interface ProcessingPurpose {
  readonly purpose: string;
  readonly legalBases: readonly string[];
  readonly status: 'current' | 'stopped';
  readonly stoppedBecause?: StoppedBecause;
}

const GDPR_RIGHTS = [
  'You may ask us to correct your personal data, to delete it, to restrict its processing, and object to its processing (GDPR Art. 16-18 and 21), and receive it in a machine-readable form (Art. 20): on the page where you made this request.',
  'You may lodge a complaint with a data protection supervisory authority, in particular in the country where you live or work, or where you think the law was broken (Art. 77).',
];
const CCPA_RIGHTS = [
  'You may ask us to correct or delete your personal information, to opt out of its sale or sharing, and to limit the use of your sensitive personal information: on the page where you made this request. We will not discriminate against you for using these rights.',
];

/**
 * The processing information for an access answer to a request under `regulation`, about the services in
 * `recipients` (the access answer's destinations: what each had of the person's data, and whether it stopped for them).
 */
export async function processingInformation(store: Store, workspaceId: string, regulation: Regulation, recipients: readonly Pick<AccessRecipient, 'destinationId' | 'name' | 'disclosure' | 'stoppedBecause'>[]): Promise<ProcessingInformation> {
  const [disclosures, workspace] = await Promise.all([store.disclosures.list(workspaceId), store.workspaces.get(workspaceId)]);
  const settings = readPrivacySettings(workspace?.settings?.privacy);
  const controllerProfile: Partial<ControllerProfile> | undefined = controllerProfileOf(disclosures);
  const described = new Map(disclosures.filter((d) => d.resourceType === 'destination').map((d) => [d.resourceId, d.profile as Partial<RecipientProfile>]));

  // Per purpose: its legal bases, and why each recipient with it stopped for the person (undefined: it did not).
  const purposes = new Map<Purpose, { bases: Set<string>; stops: (StoppedBecause | undefined)[] }>();
  const views = recipients.map(({ destinationId, name, disclosure, stoppedBecause }): ProcessingRecipient => {
    const profile = described.get(destinationId);
    const head = { name, disclosure, ...(stoppedBecause && { stoppedBecause }) };
    if (!profile?.recipientCategory || !profile.purposes || !profile.legalBasis) return { ...head, described: false };
    // A recipient every event of the person was kept from does not use their data for anything.
    if (disclosure !== 'kept_from') {
      for (const purpose of profile.purposes) {
        const entry = purposes.get(purpose) ?? { bases: new Set<string>(), stops: [] };
        entry.bases.add(LEGAL_BASIS_LABELS[profile.legalBasis] ?? profile.legalBasis);
        entry.stops.push(stoppedBecause);
        purposes.set(purpose, entry);
      }
    }
    return {
      ...head,
      described: true,
      recipientCategory: RECIPIENT_LABELS[profile.recipientCategory] ?? profile.recipientCategory,
      purposes: profile.purposes.map((p) => PURPOSE_LABELS[p] ?? p),
      legalBasis: LEGAL_BASIS_LABELS[profile.legalBasis] ?? profile.legalBasis,
      ...(profile.country && { country: profile.country }),
      ...(profile.retention && { retention: profile.retention }),
      ...(profile.transferSafeguards && { transferSafeguards: profile.transferSafeguards }),
    };
  });
  const purposeView = (purpose: Purpose, { bases, stops }: { bases: Set<string>; stops: (StoppedBecause | undefined)[] }): ProcessingPurpose => {
    const base = { purpose: PURPOSE_LABELS[purpose] ?? purpose, legalBases: [...bases] };
    if (stops.some((s) => s === undefined)) return { ...base, status: 'current' };
    return { ...base, status: 'stopped', stoppedBecause: stops.includes('restriction') ? 'restriction' : stops.includes('objection') ? 'objection' : 'opt_out' };
  };

  return {
    controller: controllerProfile?.controllerName
      ? {
          name: controllerProfile.controllerName,
          contact: controllerProfile.controllerContact ?? '',
          ...(controllerProfile.dpoName && { dpoName: controllerProfile.dpoName }),
          ...(controllerProfile.dpoContact && { dpoContact: controllerProfile.dpoContact }),
        }
      : null,
    purposes: [...purposes.entries()].map(([purpose, entry]) => purposeView(purpose, entry)),
    recipients: views,
    retention: [
      settings.eventRetentionDays === null ? 'Your recorded activity (events): kept until you ask us to delete it.' : `Your recorded activity (events): kept ${settings.eventRetentionDays} days, then deleted.`,
      ...(settings.ipRetentionDays === null ? [] : [`IP addresses in your recorded activity: shortened after ${settings.ipRetentionDays} days.`]),
      'Your profile and the identifiers we know you by: kept until you ask us to delete them.',
      'Your consent choices: kept as proof of what you chose; once your data is deleted they no longer name you.',
      'Records of your privacy requests: kept 24 months after we answer them.',
    ],
    rights: regulation === 'ccpa' ? CCPA_RIGHTS : GDPR_RIGHTS,
  };
}
