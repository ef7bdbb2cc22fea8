import { controllerProfileOf, LEGAL_BASIS_LABELS, PURPOSE_LABELS, RECIPIENT_LABELS, type ControllerProfile, type Purpose, type RecipientProfile } from '../../core/privacy/disclosure-profile.js';
import { readPrivacySettings } from '../../core/privacy/privacy-settings.js';
import type { Store } from '../../store/store.js';
import type { Regulation } from './deadlines.js';

/** A service that received the person's data, with what the workspace described of it (`PUT /disclosures/destinations/:id`). */
export interface ProcessingRecipient {
  readonly name: string;
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
  readonly purposes: readonly { readonly purpose: string; readonly legalBases: readonly string[] }[];
  readonly recipients: readonly ProcessingRecipient[];
  readonly retention: readonly string[];
  readonly rights: readonly string[];
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
 * `recipients` (those that received the person's data, by destination id and name).
 */
export async function processingInformation(store: Store, workspaceId: string, regulation: Regulation, recipients: readonly { destinationId: string; name: string }[]): Promise<ProcessingInformation> {
  const [disclosures, workspace] = await Promise.all([store.disclosures.list(workspaceId), store.workspaces.get(workspaceId)]);
  const settings = readPrivacySettings(workspace?.settings?.privacy);
  const controllerProfile: Partial<ControllerProfile> | undefined = controllerProfileOf(disclosures);
  const described = new Map(disclosures.filter((d) => d.resourceType === 'destination').map((d) => [d.resourceId, d.profile as Partial<RecipientProfile>]));

  const purposes = new Map<Purpose, Set<string>>();
  const views = recipients.map(({ destinationId, name }): ProcessingRecipient => {
    const profile = described.get(destinationId);
    if (!profile?.recipientCategory || !profile.purposes || !profile.legalBasis) return { name, described: false };
    for (const purpose of profile.purposes) {
      const bases = purposes.get(purpose) ?? new Set<string>();
      bases.add(LEGAL_BASIS_LABELS[profile.legalBasis] ?? profile.legalBasis);
      purposes.set(purpose, bases);
    }
    return {
      name,
      described: true,
      recipientCategory: RECIPIENT_LABELS[profile.recipientCategory] ?? profile.recipientCategory,
      purposes: profile.purposes.map((p) => PURPOSE_LABELS[p] ?? p),
      legalBasis: LEGAL_BASIS_LABELS[profile.legalBasis] ?? profile.legalBasis,
      ...(profile.country && { country: profile.country }),
      ...(profile.retention && { retention: profile.retention }),
      ...(profile.transferSafeguards && { transferSafeguards: profile.transferSafeguards }),
    };
  });

  return {
    controller: controllerProfile?.controllerName
      ? {
          name: controllerProfile.controllerName,
          contact: controllerProfile.controllerContact ?? '',
          ...(controllerProfile.dpoName && { dpoName: controllerProfile.dpoName }),
          ...(controllerProfile.dpoContact && { dpoContact: controllerProfile.dpoContact }),
        }
      : null,
    purposes: [...purposes.entries()].map(([purpose, bases]) => ({ purpose: PURPOSE_LABELS[purpose] ?? purpose, legalBases: [...bases] })),
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
