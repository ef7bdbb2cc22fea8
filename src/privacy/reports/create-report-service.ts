import type { Store } from '../../store/store.js';
import type { PrivacyConfig } from '../privacy-config.js';
import type { RecipientInput } from './report-inputs.js';
import { ReportService } from './report-service.js';

/** The workspace's destinations as the reports see them. */
export async function listRecipients(store: Store, workspaceId: string): Promise<RecipientInput[]> {
  return (await store.destinations.list(workspaceId)).map((d) => ({ id: d.id, name: d.name, type: d.type, sourceIds: d.sourceIds, consentCategories: d.consentCategories, enabled: d.enabled }));
}

/** Reports over the live store and the workspace's privacy settings. */
export function createReportService(store: Store, privacyConfig: PrivacyConfig): ReportService {
  return new ReportService({
    store,
    listRecipients: (workspaceId) => listRecipients(store, workspaceId),
    retention: async (workspaceId) => {
      const { settings } = await privacyConfig.get(workspaceId);
      return { eventRetentionDays: settings.eventRetentionDays, ipRetentionDays: settings.ipRetentionDays };
    },
  });
}
