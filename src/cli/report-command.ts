import { loadConfig } from '../config/config.js';
import { DEFAULT_WORKSPACE_ID } from '../core/workspace.js';
import { SluiceError } from '../core/errors.js';
import { PrivacyConfig } from '../privacy/privacy-config.js';
import { createReportService } from '../privacy/reports/create-report-service.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../privacy/reports/render-report.js';
import { REPORT_KINDS, type ReportKind } from '../privacy/reports/report-service.js';
import { openInstalledStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';

/** `sluice report ccpa|ropa|data-map [--format md|html|json] [--workspace id]`: prints a disclosure report. */
export async function reportCommand(kind: string, options: { format?: string; workspace?: string }): Promise<void> {
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new SluiceError('validation_failed', `Unknown report "${kind}": choose one of ${REPORT_KINDS.join(', ')}.`);
  const format = options.format ?? 'md';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new SluiceError('validation_failed', `Unknown format "${format}": choose one of ${REPORT_FORMATS.join(', ')}.`);
  const store = await openInstalledStore(loadConfig());
  const changes = new ChangeFeed();
  try {
    const reports = createReportService(store, new PrivacyConfig(store, changes));
    const report = await reports.generate(options.workspace ?? DEFAULT_WORKSPACE_ID, kind as ReportKind);
    process.stdout.write(`${renderReport(report, format as ReportFormat).body}\n`);
  } finally {
    changes.close();
    await store.close();
  }
}
