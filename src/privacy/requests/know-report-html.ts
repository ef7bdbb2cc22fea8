import type { knowReport } from './know-report.js';
import { escapeHtml, none, pageStart, table, text, when } from './readable-html.js';

/** The know report as stored with its request (`knowReport`'s answer). */
export type KnowReport = Awaited<ReturnType<typeof knowReport>>;

const FLOW: Readonly<Record<string, string>> = { sale: 'sold to them', sharing: 'shared with them for advertising', none: 'neither sold nor shared' };

/** "Yes", "No", or "We cannot say yet" when a recipient nobody described could make it so. */
function soldOrShared(happened: boolean, unknown: boolean): string {
  return happened ? 'Yes' : unknown ? 'We cannot say yet (see the note below)' : 'No';
}

/**
 * The CCPA right-to-know report (1798.110, 1798.115) as a page the consumer reads: what categories of personal
 * information we hold and from which fields, where it came from, why we use it, whom we disclosed it to and whether
 * it was sold or shared, over the past 12 months. The same data as the JSON, which it links to.
 *
 * @example
 *   reply.type('text/html; charset=utf-8').send(knowReportHtml(request.result as KnowReport, request.id, jsonLink));
 */
export function knowReportHtml(report: KnowReport, requestId: string, jsonLink?: string): string {
  const undescribed = report.recipients.some((r) => !r.described);
  const types = Object.entries(report.eventTypes).map(([type, count]) => `${count} ${type}`).join(', ');
  return [
    pageStart('The personal information we hold about you'),
    '<h1>The personal information we hold about you</h1>',
    `<p>This report covers ${when(report.period.from)} to ${when(report.period.to)} and answers your request ${escapeHtml(requestId)}.` +
      (jsonLink ? ` The same report as a file (JSON, machine-readable): <a href="${escapeHtml(jsonLink)}">download it</a>.` : '') +
      '</p>',
    '<h2>Was your personal information sold or shared?</h2>',
    table(['Question', 'Answer'], [
      ['Sold', escapeHtml(soldOrShared(report.sold, undescribed))],
      ['Shared for cross-context behavioral advertising', escapeHtml(soldOrShared(report.shared, undescribed))],
    ]),
    '<h2>What we hold</h2>',
    report.categories.length > 0
      ? table(['Category of personal information', 'Where it appears in our records'], report.categories.map((c) => [escapeHtml(c.category), escapeHtml(c.fields.join(', '))]))
      : none('We hold no personal information of yours in these categories.'),
    `<p>${report.eventsConsidered} recorded event${report.eventsConsidered === 1 ? '' : 's'} of yours in this period${types ? ` (${escapeHtml(types)})` : ''}.</p>`,
    '<h2>Where it came from</h2>',
    report.sources.length > 0 ? table(['Source', 'How', 'Records'], report.sources.map((s) => [text(s.name), escapeHtml(s.method), String(s.events)])) : none('No source sent us personal information of yours in this period.'),
    '<h2>Why we use it</h2>',
    report.purposes.length > 0 ? table(['Purpose', 'Basis'], report.purposes.map((p) => [text(p.purpose), escapeHtml(p.basis)])) : none('No purposes are listed.'),
    '<h2>Whom we disclosed it to</h2>',
    report.recipients.length > 0
      ? table(
          ['Recipient', 'Kind', 'Why', 'Sold or shared', 'Last sent'],
          report.recipients.map((r) => [
            text(r.name) + (r.deletedAt ? ` <span class="none">(no longer connected since ${when(r.deletedAt)})</span>` : ''),
            text(r.recipientCategory ?? (r.described ? '' : 'not described yet')),
            text((r.purposes ?? []).join(', ')),
            escapeHtml(r.ccpaFlow ? (FLOW[r.ccpaFlow] ?? r.ccpaFlow) : 'not known yet'),
            when(r.lastDeliveredAt),
          ]),
        )
      : none('We disclosed your personal information to no one in this period.'),
    // The report's `notes` are worded for the business (which API call describes a recipient): said here for the person.
    ...(undescribed
      ? ['<h2>Note</h2>', `<p>The business has not yet described ${escapeHtml(report.recipients.filter((r) => !r.described).map((r) => r.name).join(', '))}, so whether your personal information was sold or shared to them is not known yet.</p>`]
      : []),
    '</main></body></html>\n',
  ].join('\n');
}
