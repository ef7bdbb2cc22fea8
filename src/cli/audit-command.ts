import { readFile } from 'node:fs/promises';
import { verifyAuditExport } from '../accounts/audit-export-verify.js';
import { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import { loadConfig } from '../config/config.js';
import { openInstalledStore } from '../runtime/backends.js';
import type { Store } from '../store/store.js';

/** Checks the chains of `store` and writes a report; returns the exit code (0 intact, 1 broken). */
export async function runAuditVerify(store: Store, workspace: string | undefined, write: (text: string) => void): Promise<number> {
  const result = await new AuditLog(store.audit).verify(workspace);
  for (const ws of result.workspaces) {
    // The head's hash: what the newest line of an export of this workspace must carry (`audit verify --file`).
    write(`${ws.ok ? 'ok    ' : 'BROKEN'} ${ws.workspaceId}: ${ws.entries} entries verified${ws.ok && ws.head ? `, newest seq ${ws.head.seq} hash ${ws.head.hash}` : ''}\n`);
  }
  if (result.workspaces.length === 0) write('No audit entries yet.\n');
  const broken = result.firstBroken;
  if (!broken) {
    write('Audit log intact.\n');
    return 0;
  }
  write(`\nFirst broken link: workspace ${broken.workspaceId}, seq ${broken.seq}${broken.entryId ? `, entry ${broken.entryId}` : ''} (${broken.reason})\n${broken.message}\n`);
  return 1;
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Checks an exported audit log (NDJSON from `GET /api/v1/audit-log/export`) without the database and writes a
 * report naming the first line that breaks the chain, or what was checked and what the file cannot show (a filtered
 * export: the entries its filters left out); returns the exit code (0 intact, 1 broken).
 */
export function runAuditFileVerify(text: string, file: string, write: (text: string) => void): number {
  const result = verifyAuditExport(text);
  const broken = result.broken;
  if (broken) {
    write(`BROKEN ${file}: broken at line ${broken.line} of ${count(result.entries, 'entry', 'entries')}${result.workspaceId ? ` (workspace ${result.workspaceId})` : ''}\n`);
    write(`\nFirst broken link: line ${broken.line}${broken.seq !== null ? `, seq ${broken.seq}` : ''}${broken.entryId ? `, entry ${broken.entryId}` : ''} (${broken.reason})\n${broken.message}\n`);
    return 1;
  }
  if (result.entries === 0) {
    write(`BROKEN ${file}: no audit entries in the file.\n`);
    return 1;
  }
  const head = result.exportedWith?.head ?? null;
  if (result.filtered) {
    const filters = Object.entries(result.exportedWith!.filters).map(([k, v]) => `${k}=${v}`).join(', ');
    const missing = result.gaps.reduce((n, g) => n + g.missing, 0);
    write(`ok     ${file}: a filtered export (${filters}) of workspace ${result.workspaceId}: ${result.entries} entries, seq ${result.firstSeq} to ${result.lastSeq}\n`);
    write('Checked:\n');
    write(`  - each entry's own hash (${result.entries} of ${result.entries}): no line was altered\n`);
    write(`  - ${count(result.linksChecked, 'link', 'links')} between entries adjacent in the chain (an entry's prevHash is the hash of the one before it in the file${result.firstSeq === 1 ? ', or the chain\'s start' : ''})\n`);
    write('  - the order of the lines\n');
    if (result.endsAtHead) write(`  - the newest entry is the chain head when the export was made (seq ${head!.seq})\n`);
    write('Not checked (the file cannot show it):\n');
    if (result.gaps.length > 0) {
      write(`  - the ${count(missing, 'entry', 'entries')} in ${count(result.gaps.length, 'gap', 'gaps')} the filters left out (seq ${result.gaps.slice(0, 5).map((g) => (g.missing === 1 ? `${g.after + 1}` : `${g.after + 1}-${g.before - 1}`)).join(', ')}${result.gaps.length > 5 ? ', …' : ''}), nor that the entry after each gap links to them; so neither whether an entry matching the filters was removed there\n`);
    }
    if (result.firstSeq !== 1) write(`  - the ${count(result.firstSeq! - 1, 'entry', 'entries')} before seq ${result.firstSeq}\n`);
    if (head !== null && !result.endsAtHead) write(`  - the ${count(head.seq - result.lastSeq!, 'entry', 'entries')} after seq ${result.lastSeq} up to the chain head when the export was made (seq ${head.seq}, hash ${head.hash})\n`);
    write('To check those, export without filters, or run `sluice audit verify` where Sluice runs.\n');
  } else {
    write(`ok     ${file}: ${result.entries} entries of workspace ${result.workspaceId} verified (seq ${result.firstSeq} to ${result.lastSeq}): every hash, every link, none missing\n`);
    if (result.firstSeq !== 1) write(`The export starts at seq ${result.firstSeq}: the entries before it are not in the file and were not checked.\n`);
    if (result.endsAtHead) write(`The newest entry is the chain head when the export was made (seq ${head!.seq}).\n`);
  }
  write(`The newest entry (seq ${result.lastSeq}) has hash ${result.lastHash}.${head !== null ? ` The export recorded the chain head as seq ${head.seq}, hash ${head.hash}.` : ''} Entries removed after it, with the recorded head changed to match, cannot show in the file: compare with the workspace's head now (GET /api/v1/audit-log/verify, "head", or \`sluice audit verify\` where Sluice runs).\n`);
  write(result.filtered ? 'Filtered audit log export intact as far as it goes.\n' : 'Audit log export intact.\n');
  return 0;
}

/**
 * `sluice audit verify [--workspace <id>] [--file <export.ndjson>]`: checks every workspace's hash chain (or one)
 * in the store, or an exported file offline, and prints the first broken link. Exit code 0 when intact, 1 when broken.
 */
export async function auditVerifyCommand(options: { workspace?: string; file?: string }): Promise<void> {
  if (options.file !== undefined) {
    if (options.workspace !== undefined) throw new SluiceError('validation_failed', 'Give --file or --workspace, not both: an export holds one workspace, named on each line.');
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new SluiceError('validation_failed', `Cannot read ${options.file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): give the path of an audit log export (GET /api/v1/audit-log/export).`);
    }
    process.exitCode = runAuditFileVerify(text, options.file, (t) => process.stdout.write(t));
    return;
  }
  const store = await openInstalledStore(loadConfig());
  try {
    process.exitCode = await runAuditVerify(store, options.workspace, (text) => process.stdout.write(text));
  } finally {
    await store.close();
  }
}
