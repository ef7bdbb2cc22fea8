import type { CcpaReport } from './ccpa-report.js';
import type { DataMapReport } from './data-map-report.js';
import type { RopaReport } from './ropa-report.js';

export type AnyReport = DataMapReport | CcpaReport | RopaReport;
export const REPORT_FORMATS = ['json', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A table: header cells and rows of cells (plain text; escaped per format). */
interface Table {
  head: string[];
  rows: string[][];
}

interface Section {
  title: string;
  paragraphs: string[];
  table?: Table;
}

const yesNo = (v: boolean) => (v ? 'Yes' : 'No');

function sections(report: AnyReport): { title: string; sections: Section[] } {
  const stamp = `Generated ${report.generatedAt} from configuration version ${report.configVersion} of workspace "${report.workspace.name}".`;
  switch (report.report) {
    case 'ccpa':
      return {
        title: 'Categories of personal information we collect and disclose',
        sections: [
          {
            title: 'In the preceding 12 months',
            paragraphs: [stamp, ...report.notes],
            table: {
              head: ['Category', 'Personal information collected', 'Sources', 'Business purposes', 'Disclosed to', 'Sold', 'Shared'],
              rows: report.rows.map((r) => [r.label, r.collected.join(', '), r.sources.join(', '), r.businessPurposes.join(', '), r.disclosedTo.map((d) => `${d.recipientCategory}: ${d.recipients.join(', ')}`).join('; ') || 'None', yesNo(r.sold), yesNo(r.shared)]),
            },
          },
        ],
      };
    case 'ropa':
      return {
        title: 'Record of processing activities (GDPR Art. 30(1))',
        sections: [
          { title: 'Controller', paragraphs: [stamp, `Controller: ${report.controller.name} (${report.controller.contact}).`, `Data protection officer: ${report.controller.dpo ?? 'none designated'}.`, ...(report.missing.length ? [`Missing from the configuration: ${report.missing.join('; ')}.`] : [])] },
          {
            title: 'Processing activities',
            paragraphs: [],
            table: {
              head: ['Purpose', 'Legal basis', 'Data subjects', 'Categories of personal data', 'Recipients', 'Third-country transfers', 'Retention'],
              rows: report.activities.map((a) => [
                a.purpose,
                a.legalBases.join(', '),
                a.dataSubjects.join(', '),
                `${a.personalDataCategories.join(', ')}${a.specialCategories ? ' (includes special categories)' : ''}`,
                a.recipients.map((r) => `${r.name} (${r.category}, ${r.country})`).join(', ') || 'None',
                a.thirdCountryTransfers.map((t) => `${t.recipient} -> ${t.country}: ${t.safeguards}`).join('; ') || 'None',
                a.retention.join('; '),
              ]),
            },
          },
          { title: 'Security measures (Art. 32)', paragraphs: report.securityMeasures.map((m) => `- ${m}`) },
        ],
      };
    case 'data-map':
      return {
        title: 'Data map',
        sections: [
          { title: 'Sources', paragraphs: [stamp], table: { head: ['Source', 'Channel', 'Categories observed'], rows: report.sources.map((s) => [s.name, s.channel ?? 'not described', s.categories.map((c) => c.label).join(', ') || 'none observed']) } },
          {
            title: 'Destinations',
            paragraphs: [],
            table: {
              head: ['Destination', 'Recipient category', 'Purposes', 'Legal basis', 'Country', 'CCPA', 'Receives'],
              rows: report.destinations.map((d) => [d.name, d.recipientCategory ?? 'not described', (d.purposes ?? []).join(', '), d.legalBasis ?? '', d.country ?? '', d.ccpaFlow ?? '', d.categories.map((c) => `${c.label}${c.withheldByDefault ? ' (withheld by default policy)' : ''}`).join(', ')]),
            },
          },
          { title: 'Needs attention', paragraphs: report.gaps.length ? report.gaps.map((g) => `- ${g.resourceType} "${g.name}": ${g.problem}`) : ['Every source and destination is described.'] },
        ],
      };
  }
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderMarkdown(report: AnyReport): string {
  const doc = sections(report);
  const out = [`# ${doc.title}`, ''];
  for (const section of doc.sections) {
    out.push(`## ${section.title}`, '', ...section.paragraphs.flatMap((p) => [p, '']));
    if (section.table) {
      out.push(`| ${section.table.head.map(md).join(' | ')} |`, `|${section.table.head.map(() => '---').join('|')}|`);
      for (const row of section.table.rows) out.push(`| ${row.map(md).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function renderHtml(report: AnyReport): string {
  const doc = sections(report);
  const parts = [`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(doc.title)}</title>`, '<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}th{background:#f4f4f4}</style></head><body>', `<h1>${html(doc.title)}</h1>`];
  for (const section of doc.sections) {
    parts.push(`<h2>${html(section.title)}</h2>`, ...section.paragraphs.map((p) => `<p>${html(p)}</p>`));
    if (section.table) {
      parts.push(`<table><thead><tr>${section.table.head.map((h) => `<th scope="col">${html(h)}</th>`).join('')}</tr></thead><tbody>`);
      for (const row of section.table.rows) parts.push(`<tr>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`);
      parts.push('</tbody></table>');
    }
  }
  parts.push('</body></html>');
  return parts.join('\n');
}

export function renderReport(report: AnyReport, format: ReportFormat): { contentType: string; body: string } {
  if (format === 'md') return { contentType: 'text/markdown; charset=utf-8', body: renderMarkdown(report) };
  if (format === 'html') return { contentType: 'text/html; charset=utf-8', body: renderHtml(report) };
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(report, null, 2) };
}
