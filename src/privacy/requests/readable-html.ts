import type { Language } from '../../core/i18n/languages.js';
import { readableTime } from './subject-wording.js';

/**
 * The pieces of the pages a data subject reads (the access export's and the know report's, `access-export-html.ts`
 * and `know-report-html.ts`): escaping, tables, dates, and the one stylesheet (inline: the pages are served with
 * `default-src 'none'; style-src 'unsafe-inline'`).
 */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const text = (value: unknown) => escapeHtml(typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));
/** A moment as the emails write it, in the page's language, in UTC and saying so (`4. Dezember 2026 um 16:57 UTC`). */
export const moment = (iso: string | number, language: Language) => readableTime(new Date(iso).getTime(), language);
/** `moment`, escaped for HTML. */
export const when = (iso: string | number, language: Language) => escapeHtml(moment(iso, language));
export const pre = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
export const table = (head: readonly string[], rows: readonly string[][]) =>
  `<table><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
export const none = (what: string) => `<p class="none">${escapeHtml(what)}</p>`;
/** A phrase at the start of a table cell: "analytics" -> "Analytics". */
export const capitalized = (phrase: string) => phrase.charAt(0).toLocaleUpperCase() + phrase.slice(1);

export const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}' +
  'table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}' +
  'pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:.85rem}.none{color:#57606a}summary{cursor:pointer;color:#0b57d0;font-size:.9rem}';

/** The start of a page a person reads, in `language`, up to and including `<main>`. */
export const pageStart = (title: string, language: Language) =>
  `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>`;
