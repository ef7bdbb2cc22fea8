import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditFileVerify, runAuditVerify } from '../src/cli/audit-command.js';
import { api } from './support/api-client.js';
import { runCli } from './support/sluice-process.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
let exported = '';
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-audit-export-'));

beforeAll(async () => {
  sluice = await startTestSluice();
  const created = await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: sluice.token, body: { name: 'Export me' } });
  await api(sluice.url, 'PATCH', `/sources/${created.body.id}`, { token: sluice.token, body: { name: 'Exported', enabled: false } });
  await api(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'nightly', role: 'viewer' } });
  await api(sluice.url, 'PATCH', `/sources/${created.body.id}`, { token: sluice.token, body: { name: 'Exported again' } });
  await api(sluice.url, 'DELETE', `/sources/${created.body.id}`, { token: sluice.token });
  const res = await fetch(`${sluice.url}/api/v1/audit-log/export`, { headers: { authorization: `Bearer ${sluice.token}` } });
  expect(res.status).toBe(200);
  exported = await res.text();
});
afterAll(async () => {
  await sluice?.stop();
  rmSync(work, { recursive: true, force: true });
});

type Line = Record<string, unknown> & { seq: number; id: string };
const linesOf = (text: string): Line[] => text.trim().split('\n').map((l) => JSON.parse(l) as Line);
const ndjson = (lines: unknown[]): string => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

function verify(text: string): { code: number; output: string } {
  let output = '';
  const code = runAuditFileVerify(text, 'export.ndjson', (t) => (output += t));
  return { code, output };
}

describe('an exported audit log, verified offline', () => {
  it('carries its workspace on every line and verifies intact, naming the head to compare with', async () => {
    const lines = linesOf(exported);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line.workspaceId).toBe(sluice.bootstrap.workspaceId);
    const { code, output } = verify(exported);
    expect(output).toContain('Audit log export intact');
    expect(code).toBe(0);
    const head = await api<{ head: { seq: number; hash: string } }>(sluice.url, 'GET', '/audit-log/verify', { token: sluice.token });
    expect(head.body.head).toEqual({ seq: lines[0]!.seq, hash: lines[0]!.hash });
    expect(output).toContain(head.body.head.hash);
    // `sluice audit verify` where Sluice runs prints the same head, for an auditor holding only the file.
    let report = '';
    expect(await runAuditVerify(sluice.store, sluice.bootstrap.workspaceId, (t) => (report += t))).toBe(0);
    expect(report).toContain(`newest seq ${lines[0]!.seq} hash ${lines[0]!.hash}`);
    // Oldest first (someone sorted it) verifies too.
    expect(verify(ndjson([...lines].reverse())).code).toBe(0);
  });

  it('names the line of an altered entry', () => {
    const lines = linesOf(exported);
    const altered = lines.map((l, i) => (i === 2 ? { ...l, actor: 'member:mem_nobody (innocent@example.com)' } : l));
    const { code, output } = verify(ndjson(altered));
    expect(code).toBe(1);
    expect(output).toContain('(hash_mismatch)');
    expect(output).toContain(`Line 3 (entry ${lines[2]!.id}, seq ${lines[2]!.seq}) was altered`);
    // The summary counts the file's entries, not "entries read before" the break (it read them all).
    expect(output.split('\n')[0]).toBe(`BROKEN export.ndjson: broken at line 3 of ${lines.length} entries (workspace ${lines[0]!.workspaceId})`);
  });

  it('names the place of a removed entry', () => {
    const lines = linesOf(exported);
    const { code, output } = verify(ndjson(lines.filter((_, i) => i !== 1)));
    expect(code).toBe(1);
    expect(output).toContain('(sequence_gap)');
    expect(output).toContain(`The entry with seq ${lines[1]!.seq} is missing`);
  });

  it('names a moved entry', () => {
    const lines = linesOf(exported);
    const moved = [lines[0], lines[2], lines[1], ...lines.slice(3)];
    const { code, output } = verify(ndjson(moved));
    expect(code).toBe(1);
    expect(output).toContain('(out_of_order)');
    expect(output).toContain(`Line 3 (entry ${lines[1]!.id}, seq ${lines[1]!.seq}) comes after seq ${lines[2]!.seq}`);
  });

  it('refuses an export from before the workspace was on each line, and a file that is not an export', () => {
    const old = linesOf(exported).map(({ workspaceId: _w, ...rest }) => rest);
    const { code, output } = verify(ndjson(old));
    expect(code).toBe(1);
    expect(output).toContain('Export the audit log again');
    expect(verify('{"not": "an entry"}\nhello\n').code).toBe(1);
  });

  it('names entries cut after the newest line, against the chain head the export recorded', () => {
    const lines = linesOf(exported);
    expect(lines[0]!.exportedWith).toEqual({ head: { seq: lines[0]!.seq, hash: lines[0]!.hash }, filters: {} });
    const { code, output } = verify(ndjson(lines.slice(1)));
    expect(code).toBe(1);
    expect(output).toContain('(tail_removed)');
    expect(output).toContain(`the entry with seq ${lines[0]!.seq} was removed from the file`);
  });

  it('verifies a filtered export as far as it can, saying what was and was not checked', async () => {
    const sourceId = linesOf(exported).find((l) => l.action === 'source.create')!.resourceId as string;
    const res = await fetch(`${sluice.url}/api/v1/audit-log/export?resourceId=${sourceId}`, { headers: { authorization: `Bearer ${sluice.token}` } });
    const filtered = await res.text();
    const lines = linesOf(filtered);
    // create, update, (token.create is left out), update: two runs of adjacent entries.
    expect(lines.map((l) => l.action)).toEqual(['source.update', 'source.update', 'source.create']);
    const head = await api<{ head: { seq: number; hash: string } }>(sluice.url, 'GET', '/audit-log/verify', { token: sluice.token });
    for (const line of lines) expect(line.exportedWith).toEqual({ head: head.body.head, filters: { resourceId: sourceId } });
    const { code, output } = verify(filtered);
    expect(output).toContain(`a filtered export (resourceId=${sourceId})`);
    expect(output).toContain("each entry's own hash (3 of 3)");
    expect(output).toContain('2 links between entries adjacent in the chain');
    expect(output).toContain(`the 1 entry in 1 gap the filters left out (seq ${lines[1]!.seq + 1})`);
    expect(output).toContain('Filtered audit log export intact as far as it goes');
    expect(code).toBe(0);

    const altered = verify(ndjson(lines.map((l, i) => (i === 2 ? { ...l, resourceName: 'Someone else' } : l))));
    expect(altered.code).toBe(1);
    expect(altered.output).toContain('Line 3 (entry');
    expect(altered.output).toContain('(hash_mismatch)');
    // Where the entry before is in the file, the link is checked: an entry that does not link to it is named.
    const relinked = verify(ndjson(lines.map((l, i) => (i === 1 ? { ...l, prevHash: lines[0]!.hash } : l))));
    expect(relinked.code).toBe(1);
    expect(relinked.output).toContain('(prev_hash_mismatch)');
    // Lines of two exports put together are told apart by what each line says about its export.
    const mixed = verify(ndjson([...lines.slice(0, 2), ...linesOf(exported).filter((l) => l.seq < lines[1]!.seq).slice(0, 1)]));
    expect(mixed.code).toBe(1);
    expect(mixed.output).toContain('(other_export)');
  });

  it('runs as `sluice audit verify --file`, exiting 0 intact and 1 tampered, with no configuration', async () => {
    const intact = path.join(work, 'intact.ndjson');
    writeFileSync(intact, exported);
    const ok = await runCli(['audit', 'verify', '--file', intact], {}, work);
    expect(ok.stdout).toContain('Audit log export intact');
    expect(ok.code).toBe(0);

    const lines = linesOf(exported);
    const tampered = path.join(work, 'tampered.ndjson');
    writeFileSync(tampered, ndjson(lines.map((l, i) => (i === 1 ? { ...l, resourceName: 'something else' } : l))));
    const broken = await runCli(['audit', 'verify', '--file', tampered], {}, work);
    expect(broken.stdout).toContain(`First broken link: line 2, seq ${lines[1]!.seq}`);
    expect(broken.code).toBe(1);

    const missing = await runCli(['audit', 'verify', '--file', path.join(work, 'nope.ndjson')], {}, work);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Cannot read');
  });
});
