import type { BannerContent } from '../../core/consent/banner-content.js';
import type { ConsentRecord } from '../../core/privacy/consent-record.js';
import type { PrivacyRequest } from './request.js';
import { FIRST_PAGE, type EventPageCursor } from './subject-data.js';
import { resolveSubject } from './subject.js';
import { exportHeader, type ExportDeps } from './access-export.js';
import type { ProcessingInformation, ProcessingRecipient } from './access-export-processing.js';
import type { AccessRecipient, StoppedBecause } from './access-export-recipients.js';
import { escapeHtml, none, pageStart, pre, STYLE, table, text, when } from './readable-html.js';

/**
 * The access export as a web page a person can read (GDPR Art. 12(1): intelligible, in clear and plain language),
 * next to the JSON a person hands to another service (Art. 20). The same data as the JSON export, from the same
 * reads: who we know them as, their profile, who received their data, their consent choices, restrictions, flags,
 * their privacy requests, then every stored event (each with everything stored about it). Streamed like the JSON.
 */

const PAGE = 1_000;

const IDENTIFIER_NAMES: Readonly<Record<string, string>> = { userId: 'Account id (userId)', anonymousId: 'Browser or device id (anonymousId)', email: 'Email address' };
const CONSENT_SOURCES: Readonly<Record<string, string>> = {
  event: 'your choice on the site (consent banner)',
  banner: 'your choice on the site (consent banner)',
  api: 'recorded by the site',
  gpc: 'your browser’s Global Privacy Control signal',
};

/** A banner's short name on the page: "banner 1", "banner 2", in the order of the list below the choices. */
const bannerLabel = (index: number) => `banner ${index + 1}`;

/**
 * One row per choice: the ledger keeps a choice once per identifier it was recorded for (an objection names the
 * userId and the email), shown once here with the identifiers it covers.
 */
function consentRows(history: readonly ConsentRecord[], banners: readonly { version: string }[]): string[][] {
  const choices = new Map<string, { entry: ConsentRecord; identifiers: string[] }>();
  for (const entry of history) {
    const key = JSON.stringify([entry.at, entry.categories, entry.source, entry.gpc, entry.policyVersion ?? null, entry.bannerVersion ?? null, entry.requestId ?? null, entry.messageId ?? null]);
    const seen = choices.get(key) ?? { entry, identifiers: [] };
    seen.identifiers.push(`${IDENTIFIER_NAMES[entry.subject.type] ?? entry.subject.type}: ${entry.subject.value}`);
    choices.set(key, seen);
  }
  return [...choices.values()].map(({ entry, identifiers }) => {
    const choice = Object.entries(entry.categories).map(([category, granted]) => `${category}: ${granted ? 'allowed' : 'refused'}`);
    const source = entry.requestId ? `your privacy request ${entry.requestId}` : (CONSENT_SOURCES[entry.source] ?? entry.source);
    const shown = banners.findIndex((b) => b.version === entry.bannerVersion);
    return [when(entry.at), escapeHtml(choice.join(', ')), escapeHtml(identifiers.join('; ')), escapeHtml(source), text(entry.policyVersion ?? ''), shown < 0 ? '' : `<a href="#banner-${shown + 1}">${bannerLabel(shown)}</a>`];
  });
}

/** Each consent banner as the person saw it: its title, text and the purposes it listed. */
function bannerSections(banners: readonly { version: string; firstServedAt: string; content: BannerContent }[]): string[] {
  return banners.map((b, i) => {
    const { text: words, categories, policyVersion } = b.content;
    const items = categories.map((c) => `<li><strong>${escapeHtml(c.name)}</strong>${c.required ? escapeHtml(words.alwaysOn) : ''}${c.description ? `: ${escapeHtml(c.description)}` : ''}</li>`).join('');
    return (
      `<section id="banner-${i + 1}" class="banner"><h3>${escapeHtml(bannerLabel(i))}${policyVersion ? ` (privacy policy version ${escapeHtml(policyVersion)})` : ''}</h3>` +
      `<p><strong>${escapeHtml(words.title)}</strong></p><p>${escapeHtml(words.intro)}</p><ul>${items}</ul>` +
      `<p>Buttons: ${escapeHtml([words.rejectAll, words.acceptAll, words.save].join(' · '))}</p>` +
      `<p class="none">Version ${escapeHtml(b.version)}, first shown ${when(b.firstServedAt)}.</p></section>`
    );
  });
}

/** What an event was, in a few words: "Page viewed: Pricing", "Order Completed", "Profile updated (identify)". */
function eventTitle(event: Record<string, unknown>): string {
  switch (event.type) {
    case 'track':
      return String(event.event ?? 'track');
    case 'page':
    case 'screen':
      return `${event.type === 'page' ? 'Page' : 'Screen'} viewed${typeof event.name === 'string' ? `: ${event.name}` : ''}`;
    case 'identify':
      return 'Profile details sent (identify)';
    case 'group':
      return 'Joined a group or company (group)';
    case 'alias':
      return 'Account ids linked (alias)';
    default:
      return String(event.type);
  }
}

/** The details that say the most about an event: its properties, traits or page, with everything else one click away. */
function eventRow(event: Record<string, unknown>): string[] {
  const main = event.properties ?? event.traits;
  const time = typeof event.timestamp === 'string' ? when(event.timestamp) : '';
  const details = main && typeof main === 'object' && Object.keys(main).length > 0 ? pre(main) : '';
  return [time, escapeHtml(eventTitle(event)), `${details}<details><summary>Everything stored about this event</summary>${pre(event)}</details>`];
}

/** Why deliveries were withheld from a service, in the person's words. */
function withheldBecause(reason: string): string {
  if (reason.startsWith('consent_denied')) return 'your consent choices';
  if (reason === 'gpc') return 'your browser’s Global Privacy Control signal';
  if (reason === 'suppressed') return 'your request that we stop collecting your data';
  if (reason === 'restricted') return 'your request to restrict processing';
  if (reason === 'child') return 'the protection of children’s data';
  if (reason.startsWith('pii_blocked')) return 'sensitive data it must not receive';
  return 'our settings for it';
}

const STOPPED: Readonly<Record<StoppedBecause, string>> = {
  objection: 'stopped for you: you objected',
  restriction: 'stopped for you: you asked us to restrict the processing of your data',
};

/** Whether a service has the person's data (Art. 15(1)(c): "have been or will be disclosed"), in words. */
function disclosureText(d: AccessRecipient): string {
  if (d.disclosure === 'received') {
    const events = `${d.deliveredEvents} of your event${d.deliveredEvents === 1 ? '' : 's'}`;
    return d.firstDeliveredAt === d.lastDeliveredAt ? `Yes: ${events}, on ${when(d.lastDeliveredAt!)}` : `Yes: ${events}, from ${when(d.firstDeliveredAt!)} to ${when(d.lastDeliveredAt!)}`;
  }
  if (d.disclosure === 'may_receive') return 'Not yet: it is connected and may receive your data';
  const counts = new Map<string, number>();
  for (const [reason, n] of Object.entries(d.withheld ?? {})) counts.set(withheldBecause(reason), (counts.get(withheldBecause(reason)) ?? 0) + n);
  return escapeHtml(`No: every event of yours was kept from it (${[...counts].map(([why, n]) => `${why}: ${n}`).join('; ')})`);
}

/** A service that received or may receive the person's data, with what the workspace described of it (Art. 15(1)(c), (d), 15(2)). */
function recipientRow(d: AccessRecipient, described: ProcessingRecipient | undefined): string[] {
  const what = described?.described ? `${described.recipientCategory ?? ''}: ${(described.purposes ?? []).join(', ')} (on the basis of ${described.legalBasis ?? ''})` : 'not described to us; ask us about it';
  const where = described?.country ? `${described.country}${described.transferSafeguards ? `, protected by ${described.transferSafeguards}` : ''}` : '';
  const notes = [d.stoppedBecause ? escapeHtml(STOPPED[d.stoppedBecause]) : '', d.deletedAt ? `no longer connected since ${when(d.deletedAt)}` : ''].filter((n) => n !== '');
  return [escapeHtml(d.name), disclosureText(d), escapeHtml(what), escapeHtml(where), text(described?.retention ?? ''), notes.join('; ')];
}

/** Who we are, why we use the data and on what basis, and how long we keep it (GDPR Art. 15(1)(a), (d)). */
function processingSection(p: ProcessingInformation): string[] {
  const who = p.controller
    ? `<p>${escapeHtml(p.controller.name)} is responsible for your data${p.controller.contact ? ` (contact: ${escapeHtml(p.controller.contact)})` : ''}.` +
      (p.controller.dpoName || p.controller.dpoContact ? ` Our data protection officer: ${escapeHtml([p.controller.dpoName, p.controller.dpoContact].filter(Boolean).join(', '))}.` : '') + '</p>'
    : '';
  return [
    '<h2>Why we use your data and how long we keep it</h2>',
    who,
    p.purposes.length > 0
      ? table(['We use your data for', 'On the basis of', 'For you'], p.purposes.map((x) => [escapeHtml(x.purpose), escapeHtml(x.legalBases.join(', ')), escapeHtml(x.stoppedBecause ? STOPPED[x.stoppedBecause] : 'in use')]))
      : none('Ask us why we use your data: the services we use have not been described here.'),
    `<ul>${p.retention.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
  ];
}

/** What a person sees when the readable page's link is wrong or expired (`download_link_invalid`). */
export function downloadErrorHtml(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your personal data</title><style>${STYLE}</style></head><body><main><h1>This link does not work</h1><p>${escapeHtml(message)}</p></main></body></html>\n`;
}

/** The access export as HTML chunks: the summary sections, then the events, a page of the store at a time. */
export async function* accessExportHtml(deps: ExportDeps, request: PrivacyRequest, jsonLink?: string): AsyncGenerator<string> {
  const subject = await resolveSubject(deps.store.identities, request.workspaceId, request.subject);
  const header = await exportHeader(deps, request, subject);
  const parts: string[] = [];
  parts.push(
    pageStart('Your personal data'),
    '<h1>Your personal data</h1>',
    `<p>This is a copy of the personal data we hold about you, made on ${when(header.generatedAt)} for your request ${escapeHtml(header.requestId)}.` +
      (jsonLink ? ` The same data as a file you can give to another service (JSON, machine-readable): <a href="${escapeHtml(jsonLink)}">download it</a>.` : '') +
      '</p>',
    '<h2>How we know you</h2>',
    header.identities.length > 0 ? table(['Identifier', 'Value'], header.identities.map((i) => [escapeHtml(IDENTIFIER_NAMES[i.type] ?? i.type), text(i.value)])) : none('We hold no identifier of yours.'),
    '<h2>Your profile</h2>',
  );
  if (header.profiles.length === 0) parts.push(none('We hold no profile of you.'));
  for (const profile of header.profiles) {
    const traits = Object.entries(profile.traits);
    parts.push(
      `<p>First seen ${when(profile.firstSeen)}, last seen ${when(profile.lastSeen)}.</p>`,
      traits.length > 0 ? table(['Detail', 'Value'], traits.map(([key, value]) => [escapeHtml(key), typeof value === 'object' && value !== null ? pre(value) : text(value)])) : none('No details are stored in this profile.'),
    );
  }
  parts.push(
    '<h2>Who received your data</h2>',
    header.destinations.length > 0
      ? '<p>The services your data has been or may be sent to, and whether it has been.</p>' +
        table(['Service', 'Has your data', 'What it is and why', 'Where', 'How long it keeps your data', 'Note'], header.destinations.map((d, i) => recipientRow(d, header.processing.recipients[i])))
      : none('We send your data to no other service.'),
    ...processingSection(header.processing),
    '<h2>Your consent choices</h2>',
    header.consentHistory.length > 0 ? table(['When', 'Choice', 'For', 'How it was made', 'Privacy policy version', 'What you were shown'], consentRows(header.consentHistory, header.consentBanners)) : none('We have no consent choice of yours on record.'),
  );
  if (header.consentBanners.length > 0) parts.push('<h2>The consent banner as you saw it</h2>', ...bannerSections(header.consentBanners));
  const restricted = [...header.restrictions.processingRestricted.map((id) => ['Processing restricted', id]), ...header.restrictions.sensitiveUseLimited.map((id) => ['Use of sensitive data limited', id])];
  if (restricted.length > 0) parts.push('<h2>Restrictions you asked for</h2>', table(['Restriction', 'For'], restricted.map(([what, id]) => [escapeHtml(String(what)), text(id)])));
  if (header.flags.length > 0) parts.push('<h2>What we noted about you</h2>', table(['Note', 'For', 'Since', 'Why'], header.flags.map((f) => [text(f.flag), text(f.identifier), when(f.since), f.detail !== undefined ? text(f.detail) : ''])));
  parts.push(
    '<h2>Your privacy requests</h2>',
    header.requests.length > 0 ? table(['Reference', 'Request', 'Status', 'Received', 'Answered'], header.requests.map((r) => [escapeHtml(r.id), escapeHtml(r.type.replace('_', ' ')), escapeHtml(r.status), when(r.receivedAt), r.respondedAt ? when(r.respondedAt) : ''])) : none('None.'),
    '<h2>Your rights</h2>',
    `<ul>${header.processing.rights.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
    '<h2>What we recorded of your activity</h2>',
  );
  yield parts.join('\n');

  let cursor: EventPageCursor | undefined = FIRST_PAGE;
  let count = 0;
  while (cursor) {
    const page = await deps.store.subjectData.eventPage(request.workspaceId, subject, cursor, PAGE);
    if (page.events.length > 0) {
      yield table(['When', 'What', 'Details'], page.events.map((e) => eventRow({ ...e.event, sourceId: e.sourceId })));
      count += page.events.length;
    }
    cursor = page.next;
  }
  yield `${count === 0 ? none('We hold no recorded activity of yours.') : `<p>${count} recorded event${count === 1 ? '' : 's'}.</p>`}</main></body></html>\n`;
}
