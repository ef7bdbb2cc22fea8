import type { Language } from '../../core/i18n/languages.js';
import { KNOW_CATEGORIES, KNOW_PURPOSE_BASIS, KNOW_SOURCE_METHOD, type KnowCategory, type knowReport } from './know-report.js';
import type { ReadablePageText } from './readable-page-text.js';
import { purposeIn, READABLE_PAGE_TEXTS, recipientKindIn } from './readable-page-texts.js';
import { escapeHtml, moment, none, pageStart, table, text, when } from './readable-html.js';

/** The know report as stored with its request (`knowReport`'s answer). */
export type KnowReport = Awaited<ReturnType<typeof knowReport>>;

const isKnowCategory = (category: string): category is KnowCategory => (KNOW_CATEGORIES as readonly string[]).includes(category);

/** "Yes", "No", or "We cannot say yet" when a recipient nobody described could make it so. */
function soldOrShared(t: ReadablePageText['know']['soldOrShared'], happened: boolean, unknown: boolean): string {
  return happened ? t.yes : unknown ? t.cannotSay : t.no;
}

/**
 * The CCPA right-to-know report (1798.110, 1798.115) as a page the consumer reads, in the request's language
 * (`READABLE_PAGE_TEXTS`): what categories of personal information we hold and from which fields, where it came from,
 * why we use it, whom we disclosed it to and whether it was sold or shared, over the past 12 months. The same data as
 * the JSON, which it links to. The stored report's built-in words (categories, kinds of recipient, purposes) are
 * translated, its purposes (the workspace's consent categories) by `categoryLabel` (their labels in the language);
 * the names of its sources and recipients are shown as written.
 *
 * @example
 *   reply.type('text/html; charset=utf-8').send(knowReportHtml(request.result as KnowReport, { id: request.id, language: request.language }, jsonLink));
 */
export function knowReportHtml(report: KnowReport, request: { readonly id: string; readonly language: Language }, jsonLink?: string, categoryLabel: (name: string) => string = (name) => name): string {
  const all = READABLE_PAGE_TEXTS[request.language];
  const t = all.know;
  const language = request.language;
  const h2 = (heading: string) => `<h2>${escapeHtml(heading)}</h2>`;
  const undescribed = report.recipients.some((r) => !r.described);
  const types = Object.entries(report.eventTypes).map(([type, count]) => `${count} ${type}`).join(all.listSeparator);
  return [
    pageStart(t.title, language),
    `<h1>${escapeHtml(t.title)}</h1>`,
    `<p>${escapeHtml(t.intro({ from: moment(report.period.from, language), to: moment(report.period.to, language), id: request.id }))}` +
      (jsonLink ? ` ${escapeHtml(all.file.know)} <a href="${escapeHtml(jsonLink)}">${escapeHtml(all.file.download)}</a>.` : '') +
      '</p>',
    h2(t.soldOrShared.heading),
    table(t.soldOrShared.head, [
      [escapeHtml(t.soldOrShared.sold), escapeHtml(soldOrShared(t.soldOrShared, report.sold, undescribed))],
      [escapeHtml(t.soldOrShared.shared), escapeHtml(soldOrShared(t.soldOrShared, report.shared, undescribed))],
    ]),
    h2(t.held.heading),
    report.categories.length > 0
      ? table(t.held.head, report.categories.map((c) => [escapeHtml(isKnowCategory(c.category) ? t.categories[c.category] : c.category), escapeHtml(c.fields.join(', '))]))
      : none(t.held.none),
    `<p>${escapeHtml(t.held.events({ n: report.eventsConsidered, types }))}</p>`,
    h2(t.sources.heading),
    report.sources.length > 0 ? table(t.sources.head, report.sources.map((s) => [text(s.name), escapeHtml(s.method === KNOW_SOURCE_METHOD ? t.sources.directly : s.method), String(s.events)])) : none(t.sources.none),
    h2(t.purposes.heading),
    report.purposes.length > 0 ? table(t.purposes.head, report.purposes.map((p) => [text(categoryLabel(p.purpose)), escapeHtml(p.basis === KNOW_PURPOSE_BASIS ? t.purposes.consentCategory : p.basis)])) : none(t.purposes.none),
    h2(t.recipients.heading),
    report.recipients.length > 0
      ? table(
          t.recipients.head,
          report.recipients.map((r) => [
            text(r.name) + (r.deletedAt ? ` <span class="none">(${escapeHtml(t.recipients.noLongerConnected(moment(r.deletedAt, language)))})</span>` : ''),
            text(r.recipientCategory ? recipientKindIn(all, r.recipientCategory) : r.described ? '' : t.recipients.notDescribedYet),
            text((r.purposes ?? []).map((p) => purposeIn(all, p)).join(all.listSeparator)),
            escapeHtml(r.ccpaFlow ? (t.recipients.flows[r.ccpaFlow] ?? r.ccpaFlow) : t.recipients.notKnownYet),
            when(r.lastDeliveredAt, language),
          ]),
        )
      : none(t.recipients.none),
    // The report's `notes` are worded for the business (which API call describes a recipient): said here for the person.
    ...(undescribed ? [h2(t.note.heading), `<p>${escapeHtml(t.note.undescribed(report.recipients.filter((r) => !r.described).map((r) => r.name).join(all.listSeparator)))}</p>`] : []),
    '</main></body></html>\n',
  ].join('\n');
}
