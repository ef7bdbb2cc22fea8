import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../privacy/reports/render-report.js';
import type { ReportKind, ReportService } from '../privacy/reports/report-service.js';
import { principalOf } from './principal.js';

const FormatQuery = Type.Object({ format: Type.Optional(Type.Union(REPORT_FORMATS.map((f) => Type.Literal(f)), { default: 'json' })) });

const SUMMARIES: Record<ReportKind, string> = {
  'data-map': 'Sources -> personal-data categories observed -> destinations, with purposes and legal bases (configuration now)',
  ccpa: 'The CCPA chart for a privacy policy: categories, sources, purposes, recipients, sold/shared (preceding 12 months)',
  ropa: 'The GDPR Art. 30(1) record of processing activities',
};

/** Disclosures generated from the live system, as JSON, Markdown or HTML. */
export const reportsApi: FastifyPluginAsyncTypebox<{ reports: ReportService }> = async (app, { reports }) => {
  for (const kind of ['data-map', 'ccpa', 'ropa'] as const) {
    app.get(`/reports/${kind}`, {
      config: { permission: 'privacy:read' },
      schema: { tags: ['reports'], summary: SUMMARIES[kind], querystring: FormatQuery },
    }, async (request, reply) => {
      const report = await reports.generate(principalOf(request).workspaceId, kind);
      const { contentType, body } = renderReport(report, (request.query.format ?? 'json') as ReportFormat);
      return reply.type(contentType).send(body);
    });
  }
};
