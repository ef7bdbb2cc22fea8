import type { BannerContent } from '../../core/consent/banner-content.js';
import { categoryIn, findCategory, type ConsentCategory } from '../../core/consent/consent-category.js';
import { consentCategoriesOf } from '../privacy-config.js';
import type { Language } from '../../core/i18n/languages.js';
import type { ConsentRecord } from '../../core/privacy/consent-record.js';
import { readPrivacySettings } from '../../core/privacy/privacy-settings.js';
import type { PrivacyRequest } from './request.js';
import { FIRST_PAGE, type EventPageCursor } from './subject-data.js';
import { resolveSubject } from './subject.js';
import { exportHeader, type ExportDeps } from './access-export.js';
import type { ProcessingInformation, ProcessingRecipient } from './access-export-processing.js';
import type { AccessRecipient, StoppedBecause } from './access-export-recipients.js';
import type { ConsentWay, ReadablePageText, WithheldWhy } from './readable-page-text.js';
import { legalBasisIn, purposeIn, READABLE_PAGE_TEXTS, recipientKindIn } from './readable-page-texts.js';
import { capitalized, escapeHtml, moment, none, pageStart, pre, STYLE, table, text, when } from './readable-html.js';

/**
 * The access export as a web page a person can read (GDPR Art. 12(1): intelligible, in clear and plain language),
 * next to the JSON a person hands to another service (Art. 20), in the language of the request
 * (`READABLE_PAGE_TEXTS`). The same data as the JSON export, from the same reads: who we know them as, their profile,
 * who received their data, their consent choices, restrictions, flags, their privacy requests, then every stored
 * event (each with everything stored about it). Streamed like the JSON.
 */

const PAGE = 1_000;

/** What the page says and how it writes dates, in one language. */
interface Words {
  readonly t: ReadablePageText;
  readonly language: Language;
  /** A consent category (by id or name) by its label in the language (the workspace's translation, else its name). */
  readonly category: (key: string) => string;
}

/** The label of a workspace's consent category in `language`; a category since removed by its key. */
export function categoryLabel(categories: readonly ConsentCategory[], language: Language): (key: string) => string {
  return (key) => {
    const found = findCategory(categories, key);
    return found ? categoryIn(found, language).name : key;
  };
}

const identifierName = ({ t }: Words, type: string) => (type === 'userId' || type === 'anonymousId' || type === 'email' ? t.access.identifiers[type] : type);
const CONSENT_WAYS: Readonly<Record<string, ConsentWay>> = { event: 'banner', banner: 'banner', api: 'api', gpc: 'gpc' };

/**
 * One row per choice: the ledger keeps a choice once per identifier it was recorded for (an objection names the
 * userId and the email), shown once here with the identifiers it covers.
 */
function consentRows(w: Words, history: readonly ConsentRecord[], banners: readonly { version: string }[]): string[][] {
  const t = w.t.access.consent;
  const choices = new Map<string, { entry: ConsentRecord; identifiers: string[] }>();
  for (const entry of history) {
    const key = JSON.stringify([entry.at, entry.categories, entry.source, entry.gpc, entry.policyVersion ?? null, entry.bannerVersion ?? null, entry.requestId ?? null, entry.messageId ?? null]);
    const seen = choices.get(key) ?? { entry, identifiers: [] };
    seen.identifiers.push(`${identifierName(w, entry.subject.type)}: ${entry.subject.value}`);
    choices.set(key, seen);
  }
  return [...choices.values()].map(({ entry, identifiers }) => {
    const choice = Object.entries(entry.categories).map(([category, granted]) => `${w.category(category)}: ${granted ? t.allowed : t.refused}`);
    const way = CONSENT_WAYS[entry.source];
    const source = entry.requestId ? t.byRequest(entry.requestId) : way ? t.ways[way] : entry.source;
    const shown = banners.findIndex((b) => b.version === entry.bannerVersion);
    return [when(entry.at, w.language), escapeHtml(choice.join(w.t.listSeparator)), escapeHtml(identifiers.join('; ')), escapeHtml(source), text(entry.policyVersion ?? ''), shown < 0 ? '' : `<a href="#banner-${shown + 1}">${escapeHtml(t.bannerLabel(shown + 1))}</a>`];
  });
}

/** Each consent banner as the person saw it: its title, text and the purposes it listed (in the banner's own language). */
function bannerSections(w: Words, banners: readonly { version: string; firstServedAt: string; content: BannerContent }[]): string[] {
  const t = w.t.access.banners;
  return banners.map((b, i) => {
    const { text: words, categories, policyVersion } = b.content;
    const items = categories.map((c) => `<li><strong>${escapeHtml(c.name)}</strong>${c.required ? escapeHtml(words.alwaysOn) : ''}${c.description ? `: ${escapeHtml(c.description)}` : ''}</li>`).join('');
    return (
      `<section id="banner-${i + 1}" class="banner"><h3>${escapeHtml(w.t.access.consent.bannerLabel(i + 1))}${policyVersion ? ` (${escapeHtml(t.policyVersion(policyVersion))})` : ''}</h3>` +
      `<p><strong>${escapeHtml(words.title)}</strong></p><p>${escapeHtml(words.intro)}</p><ul>${items}</ul>` +
      `<p>${escapeHtml(t.buttons([words.rejectAll, words.acceptAll, words.save].join(' · ')))}</p>` +
      `<p class="none">${escapeHtml(t.version({ version: b.version, firstShown: moment(b.firstServedAt, w.language) }))}</p></section>`
    );
  });
}

/** What an event was, in a few words: "Page viewed: Pricing", "Order Completed", "Profile details sent (identify)". */
function eventTitle({ t }: Words, event: Record<string, unknown>): string {
  const name = typeof event.name === 'string' ? event.name : undefined;
  switch (event.type) {
    case 'track':
      return String(event.event ?? 'track');
    case 'page':
      return t.access.activity.page(name);
    case 'screen':
      return t.access.activity.screen(name);
    case 'identify':
      return t.access.activity.identify;
    case 'group':
      return t.access.activity.group;
    case 'alias':
      return t.access.activity.alias;
    default:
      return String(event.type);
  }
}

/** The details that say the most about an event: its properties, traits or page, with everything else one click away. */
function eventRow(w: Words, event: Record<string, unknown>): string[] {
  const main = event.properties ?? event.traits;
  const time = typeof event.timestamp === 'string' ? when(event.timestamp, w.language) : '';
  const details = main && typeof main === 'object' && Object.keys(main).length > 0 ? pre(main) : '';
  return [time, escapeHtml(eventTitle(w, event)), `${details}<details><summary>${escapeHtml(w.t.access.activity.everything)}</summary>${pre(event)}</details>`];
}

/** Why deliveries were withheld from a service (a delivery-log reason), as the person is told it. */
function withheldBecause(reason: string): WithheldWhy {
  if (reason.startsWith('consent_denied')) return 'consent';
  if (reason === 'gpc') return 'gpc';
  if (reason === 'suppressed') return 'suppressed';
  if (reason === 'restricted') return 'restricted';
  if (reason === 'child') return 'child';
  if (reason.startsWith('pii_blocked')) return 'pii';
  return 'settings';
}

const stoppedText = ({ t }: Words, why: StoppedBecause) => (why === 'opt_out' ? t.access.stopped.optOut : why === 'restriction' ? t.access.stopped.restriction : t.access.stopped.objection);

/** Whether a service has the person's data (Art. 15(1)(c): "have been or will be disclosed"), in words. */
function disclosureText(w: Words, d: AccessRecipient): string {
  const t = w.t.access.recipients;
  if (d.disclosure === 'received') {
    const events = d.deliveredEvents ?? 0;
    return escapeHtml(
      d.firstDeliveredAt === d.lastDeliveredAt
        ? t.receivedOnce({ events, on: moment(d.lastDeliveredAt!, w.language) })
        : t.received({ events, from: moment(d.firstDeliveredAt!, w.language), to: moment(d.lastDeliveredAt!, w.language) }),
    );
  }
  if (d.disclosure === 'may_receive') return escapeHtml(t.mayReceive);
  const counts = new Map<WithheldWhy, number>();
  for (const [reason, n] of Object.entries(d.withheld ?? {})) counts.set(withheldBecause(reason), (counts.get(withheldBecause(reason)) ?? 0) + n);
  return escapeHtml(t.keptFrom([...counts].map(([why, n]) => t.withheldCount({ why: t.withheld[why], n })).join('; ')));
}

/** A service that received or may receive the person's data, with what the workspace described of it (Art. 15(1)(c), (d), 15(2)). */
function recipientRow(w: Words, d: AccessRecipient, described: ProcessingRecipient | undefined): string[] {
  const t = w.t.access.recipients;
  const what = described?.described
    ? t.described({ kind: recipientKindIn(w.t, described.recipientCategory ?? ''), purposes: (described.purposes ?? []).map((p) => purposeIn(w.t, p)).join(w.t.listSeparator), basis: legalBasisIn(w.t, described.legalBasis ?? '') })
    : t.notDescribed;
  const where = described?.country ? t.where({ country: described.country, safeguards: described.transferSafeguards }) : '';
  const notes = [d.stoppedBecause ? escapeHtml(stoppedText(w, d.stoppedBecause)) : '', d.deletedAt ? escapeHtml(t.noLongerConnected(moment(d.deletedAt, w.language))) : ''].filter((n) => n !== '');
  return [escapeHtml(d.name), disclosureText(w, d), escapeHtml(what), escapeHtml(where), text(described?.retention ?? ''), notes.join('; ')];
}

/** Who we are, why we use the data and on what basis, and how long we keep it (GDPR Art. 15(1)(a), (d)). */
function processingSection(w: Words, p: ProcessingInformation, retention: { events: number | null; ip: number | null }): string[] {
  const t = w.t.access.processing;
  const dpo = p.controller ? [p.controller.dpoName, p.controller.dpoContact].filter(Boolean).join(', ') : '';
  const who = p.controller ? `<p>${escapeHtml(t.controller({ name: p.controller.name, contact: p.controller.contact || undefined }))}${dpo ? ` ${escapeHtml(t.dpo(dpo))}` : ''}</p>` : '';
  const kept = [t.retention.events(retention.events), ...(retention.ip === null ? [] : [t.retention.ip(retention.ip)]), t.retention.profile, t.retention.consent, t.retention.requests];
  return [
    `<h2>${escapeHtml(t.heading)}</h2>`,
    who,
    p.purposes.length > 0
      ? table(t.head, p.purposes.map((x) => [escapeHtml(capitalized(purposeIn(w.t, x.purpose))), escapeHtml(x.legalBases.map((b) => legalBasisIn(w.t, b)).join(w.t.listSeparator)), escapeHtml(x.stoppedBecause ? stoppedText(w, x.stoppedBecause) : t.inUse)]))
      : none(t.none),
    `<ul>${kept.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
  ];
}

/**
 * What a person sees when the readable page's link is wrong or expired (`download_link_invalid`), in `language`: the
 * request's when the link is only expired (its signature names the request), else the browser's.
 */
export function downloadErrorHtml(problem: 'expired' | 'invalid', language: Language): string {
  const t = READABLE_PAGE_TEXTS[language].wrongLink;
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(t.title)}</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(t.heading)}</h1><p>${escapeHtml(t[problem])}</p></main></body></html>\n`;
}

/** The access export as HTML chunks in the request's language: the summary sections, then the events, a page of the store at a time. */
export async function* accessExportHtml(deps: ExportDeps, request: PrivacyRequest, jsonLink?: string): AsyncGenerator<string> {
  const workspace = await deps.store.workspaces.get(request.workspaceId);
  const settings = readPrivacySettings(workspace?.settings?.privacy);
  const w: Words = { t: READABLE_PAGE_TEXTS[request.language], language: request.language, category: categoryLabel(consentCategoriesOf(workspace?.settings ?? {}), request.language) };
  const t = w.t.access;
  const h2 = (heading: string) => `<h2>${escapeHtml(heading)}</h2>`;
  const subject = await resolveSubject(deps.store.identities, request.workspaceId, request.subject);
  const header = await exportHeader(deps, request, subject);
  const parts: string[] = [];
  parts.push(
    pageStart(t.title, w.language),
    `<h1>${escapeHtml(t.title)}</h1>`,
    `<p>${escapeHtml(t.intro({ date: moment(header.generatedAt, w.language), id: header.requestId }))}` +
      (jsonLink ? ` ${escapeHtml(w.t.file.access)} <a href="${escapeHtml(jsonLink)}">${escapeHtml(w.t.file.download)}</a>.` : '') +
      '</p>',
    h2(t.identity.heading),
    header.identities.length > 0 ? table(t.identity.head, header.identities.map((i) => [escapeHtml(identifierName(w, i.type)), text(i.value)])) : none(t.identity.none),
    h2(t.profile.heading),
  );
  if (header.profiles.length === 0) parts.push(none(t.profile.none));
  for (const profile of header.profiles) {
    const traits = Object.entries(profile.traits);
    parts.push(
      `<p>${escapeHtml(t.profile.seen({ first: moment(profile.firstSeen, w.language), last: moment(profile.lastSeen, w.language) }))}</p>`,
      traits.length > 0 ? table(t.profile.head, traits.map(([key, value]) => [escapeHtml(key), typeof value === 'object' && value !== null ? pre(value) : text(value)])) : none(t.profile.noDetails),
    );
  }
  parts.push(
    h2(t.recipients.heading),
    header.destinations.length > 0
      ? `<p>${escapeHtml(t.recipients.intro)}</p>` + table(t.recipients.head, header.destinations.map((d, i) => recipientRow(w, d, header.processing.recipients[i])))
      : none(t.recipients.none),
    ...processingSection(w, header.processing, { events: settings.eventRetentionDays, ip: settings.ipRetentionDays }),
    h2(t.consent.heading),
    header.consentHistory.length > 0 ? table(t.consent.head, consentRows(w, header.consentHistory, header.consentBanners)) : none(t.consent.none),
  );
  if (header.consentBanners.length > 0) parts.push(h2(t.banners.heading), ...bannerSections(w, header.consentBanners));
  const restricted = [...header.restrictions.processingRestricted.map((id) => [t.restrictions.processing, id]), ...header.restrictions.sensitiveUseLimited.map((id) => [t.restrictions.sensitive, id])];
  if (restricted.length > 0) parts.push(h2(t.restrictions.heading), table(t.restrictions.head, restricted.map(([what, id]) => [escapeHtml(String(what)), text(id)])));
  if (header.flags.length > 0) {
    const why = (detail: string | undefined) => {
      const age = /^age (\d+) under (\d+)$/.exec(detail ?? '');
      return age ? t.flags.childAge({ age: Number(age[1]), threshold: Number(age[2]) }) : (detail ?? '');
    };
    const rows = header.flags.map((f) => [escapeHtml(f.flag === 'child' ? t.flags.child : f.flag), escapeHtml(`${identifierName(w, f.identifier.type)}: ${f.identifier.value}`), when(f.since, w.language), escapeHtml(why(f.detail))]);
    parts.push(h2(t.flags.heading), table(t.flags.head, rows));
  }
  parts.push(
    h2(t.requests.heading),
    header.requests.length > 0
      ? table(t.requests.head, header.requests.map((r) => [escapeHtml(r.id), escapeHtml(capitalized(t.requests.types[r.type])), escapeHtml(t.requests.statuses[r.status]), when(r.receivedAt, w.language), r.respondedAt ? when(r.respondedAt, w.language) : '']))
      : none(w.t.noneAtAll),
    h2(t.rights.heading),
    `<ul>${(request.regulation === 'ccpa' ? t.rights.ccpa : t.rights.gdpr).map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
    h2(t.activity.heading),
  );
  yield parts.join('\n');

  let cursor: EventPageCursor | undefined = FIRST_PAGE;
  let count = 0;
  while (cursor) {
    const page = await deps.store.subjectData.eventPage(request.workspaceId, subject, cursor, PAGE);
    if (page.events.length > 0) {
      yield table(t.activity.head, page.events.map((e) => eventRow(w, { ...e.event, sourceId: e.sourceId })));
      count += page.events.length;
    }
    cursor = page.next;
  }
  yield `${count === 0 ? none(t.activity.none) : `<p>${escapeHtml(t.activity.count(count))}</p>`}</main></body></html>\n`;
}
