/**
 * The pieces of the pages a data subject reads (the access export's and the know report's, `access-export-html.ts`
 * and `know-report-html.ts`): escaping, tables, dates in UTC, and the one stylesheet (inline: the pages are served
 * with `default-src 'none'; style-src 'unsafe-inline'`).
 */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const text = (value: unknown) => escapeHtml(typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));
export const when = (iso: string | number) => escapeHtml(new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
export const pre = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
export const table = (head: readonly string[], rows: readonly string[][]) =>
  `<table><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
export const none = (what: string) => `<p class="none">${escapeHtml(what)}</p>`;

export const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}' +
  'table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}' +
  'pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:.85rem}.none{color:#57606a}summary{cursor:pointer;color:#0b57d0;font-size:.9rem}';

/** The start of a page a person reads, up to and including `<main>`. */
export const pageStart = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>`;
