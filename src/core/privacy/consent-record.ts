import type { LedgerChoice } from '../consent/resolve-consent.js';
import type { SubjectIdentifier } from './subject.js';

/** Where a consent choice came from. */
export type ConsentSource = 'banner' | 'api' | 'event' | 'gpc';
export const CONSENT_SOURCES: readonly ConsentSource[] = ['banner', 'api', 'event', 'gpc'];

/** One append-only entry of the consent ledger: the proof GDPR Art. 7(1) asks for. */
export interface ConsentRecordInput {
  workspaceId: string;
  subject: SubjectIdentifier;
  /** Epoch ms of the choice. */
  at: number;
  /** Choices by category id. For a GPC entry: the categories the signal denied (for the record). */
  categories: Record<string, boolean>;
  source: ConsentSource;
  /** A Global Privacy Control signal (or DNT treated as one) was received. */
  gpc: boolean;
  policyVersion?: string | null;
  /** Keys.pseudonym of the IP address, never the address itself. */
  ipHash?: string | null;
  userAgent?: string | null;
  messageId?: string | null;
  requestId?: string | null;
  /** The consent banner wording the choice was made on (`BannerContent`'s version), when a banner made it. */
  bannerVersion?: string | null;
}

export interface ConsentRecord extends ConsentRecordInput {
  seq: number;
}

/** The current consent of one identifier: latest choice per category, and when GPC was first seen. */
export interface SubjectConsentState {
  subject: SubjectIdentifier;
  choices: Record<string, LedgerChoice>;
  gpcAt: number | null;
}

/** Merges the states of linked identities: per category the latest choice wins; GPC if any has it. */
export function mergeConsentStates(states: readonly SubjectConsentState[]): { ledger: Record<string, LedgerChoice>; gpcAt: number | null } {
  const ledger: Record<string, LedgerChoice> = {};
  let gpcAt: number | null = null;
  for (const state of states) {
    for (const [category, choice] of Object.entries(state.choices)) {
      const current = ledger[category];
      if (!current || choice.at >= current.at) ledger[category] = choice;
    }
    if (state.gpcAt !== null && (gpcAt === null || state.gpcAt < gpcAt)) gpcAt = state.gpcAt;
  }
  return { ledger, gpcAt };
}

/**
 * Applies ledger entries (in time order) to a subject's state; GPC entries set `gpcAt` and change no choice. A
 * denial recorded for a privacy request (an entry with a `requestId`: opt-out, objection) is binding: it holds
 * against the preferences events carry until a newer choice replaces it (resolveConsent).
 */
export function applyConsentRecords(state: SubjectConsentState, records: readonly ConsentRecordInput[]): SubjectConsentState {
  const choices = { ...state.choices };
  let gpcAt = state.gpcAt;
  for (const record of records) {
    if (record.gpc) {
      if (gpcAt === null || record.at < gpcAt) gpcAt = record.at;
      continue;
    }
    for (const [category, granted] of Object.entries(record.categories)) {
      const current = choices[category];
      // A choice dated after now can only be a future-dated event's from before event times were capped at
      // receivedAt (believedEventTime): any real choice replaces it.
      if (!current || record.at >= current.at || current.at > Date.now()) choices[category] = !granted && record.requestId ? { granted, at: record.at, binding: true } : { granted, at: record.at };
    }
  }
  return { subject: state.subject, choices, gpcAt };
}
