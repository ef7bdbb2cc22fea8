import { AuditLog } from '../accounts/audit-log.js';
import { loadConfig } from '../config/config.js';
import { openInstalledStore } from '../runtime/backends.js';
import type { Store } from '../store/store.js';

/** Checks the chains of `store` and writes a report; returns the exit code (0 intact, 1 broken). */
export async function runAuditVerify(store: Store, workspace: string | undefined, write: (text: string) => void): Promise<number> {
  const result = await new AuditLog(store.audit).verify(workspace);
  for (const ws of result.workspaces) write(`${ws.ok ? 'ok    ' : 'BROKEN'} ${ws.workspaceId}: ${ws.entries} entries verified\n`);
  if (result.workspaces.length === 0) write('No audit entries yet.\n');
  const broken = result.firstBroken;
  if (!broken) {
    write('Audit log intact.\n');
    return 0;
  }
  write(`\nFirst broken link: workspace ${broken.workspaceId}, seq ${broken.seq}${broken.entryId ? `, entry ${broken.entryId}` : ''} (${broken.reason})\n${broken.message}\n`);
  return 1;
}

/**
 * `sluice audit verify [--workspace <id>]`: checks every workspace's hash chain (or one) and prints the
 * first broken link. Exit code 0 when intact, 1 when broken.
 */
export async function auditVerifyCommand(options: { workspace?: string }): Promise<void> {
  const store = await openInstalledStore(loadConfig());
  try {
    process.exitCode = await runAuditVerify(store, options.workspace, (text) => process.stdout.write(text));
  } finally {
    await store.close();
  }
}
