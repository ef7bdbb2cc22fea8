import type { Store } from '../../store/store.js';
import { buildCcpaReport, type CcpaReport } from './ccpa-report.js';
import { buildDataMap, type DataMapReport } from './data-map-report.js';
import type { RecipientInput, ReportInputs } from './report-inputs.js';
import { buildRopa, type RopaReport } from './ropa-report.js';

export const REPORT_KINDS = ['data-map', 'ccpa', 'ropa'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportServiceDeps {
  store: Store;
  /** The workspace's destinations now. */
  listRecipients(workspaceId: string): Promise<RecipientInput[]>;
  /** Sluice's own retention for the workspace, in days (null = until deleted): events, and raw IP addresses in them. */
  retention(workspaceId: string): Promise<Pick<ReportInputs, 'eventRetentionDays' | 'ipRetentionDays'>>;
  now?: () => Date;
}

/**
 * Generates the disclosures from the live system: the configuration (sources, destinations and their
 * descriptions) and the PII inventory (what was actually observed). A destination or source that no longer
 * exists is marked removed the first time a report notices, so the CCPA chart keeps it for 12 months.
 */
export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {}

  async inputs(workspaceId: string): Promise<ReportInputs> {
    const { store } = this.deps;
    const now = (this.deps.now ?? (() => new Date()))();
    const [workspace, sources, destinations, inventory, retention, tombstones] = await Promise.all([
      store.workspaces.get(workspaceId),
      store.sources.list(workspaceId),
      this.deps.listRecipients(workspaceId),
      store.piiInventory.list(workspaceId, {}),
      this.deps.retention(workspaceId),
      store.destinations.tombstones(workspaceId),
    ]);
    const live = new Set([...destinations.map((d) => `destination:${d.id}`), ...sources.map((s) => `source:${s.id}`)]);
    const deletedAt = new Map(tombstones.map((t) => [t.id, t.deletedAt]));
    for (const profile of await store.disclosures.list(workspaceId)) {
      if (profile.resourceType !== 'controller' && profile.removedAt === null && !live.has(`${profile.resourceType}:${profile.resourceId}`)) {
        // A deleted destination's tombstone knows when it was deleted; otherwise (a source, or a destination
        // deleted before tombstones existed) the first report that notices dates it.
        const at = (profile.resourceType === 'destination' ? deletedAt.get(profile.resourceId) : undefined) ?? now.getTime();
        await store.disclosures.markRemoved(workspaceId, profile.resourceType, profile.resourceId, at);
      }
    }
    return {
      workspace: { id: workspaceId, name: workspace?.name ?? workspaceId },
      generatedAt: now,
      sources,
      destinations,
      inventory,
      profiles: await store.disclosures.list(workspaceId),
      ...retention,
      removedDestinations: tombstones.map((t) => ({ id: t.id, name: t.name, removedAt: t.deletedAt })),
    };
  }

  async generate(workspaceId: string, kind: ReportKind): Promise<DataMapReport | CcpaReport | RopaReport> {
    const inputs = await this.inputs(workspaceId);
    if (kind === 'ccpa') return buildCcpaReport(inputs);
    if (kind === 'ropa') return buildRopa(inputs);
    return buildDataMap(inputs);
  }
}
