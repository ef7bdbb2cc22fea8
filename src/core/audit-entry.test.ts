import { describe, expect, it } from 'vitest';
import { auditEntryHash, canonicalJson, ChainVerifier, GENESIS_HASH, type AuditEntry } from './audit-entry.js';

function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unhashed = { seq, id: `aud_${seq}`, workspaceId: 'ws', at: 1000 + seq, actor: 'token:t', action: 'source.update', resourceType: 'source', resourceId: 'src_1', resourceName: null, before: { a: seq }, after: { b: [1, { c: 2 }] }, ip: '127.0.0.1', prevHash };
    const entry = { ...unhashed, hash: auditEntryHash(unhashed) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

function verify(entries: AuditEntry[], head?: { seq: number; hash: string }) {
  const verifier = new ChainVerifier('ws');
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.finish(head);
}

describe('audit hash chain', () => {
  it('serialises objects with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('accepts an intact chain', () => {
    const entries = chain(5);
    expect(verify(entries, { seq: 5, hash: entries[4]!.hash })).toBeUndefined();
  });

  it('reports an altered entry by its seq', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actor: 'someone else' };
    expect(verify(entries)).toMatchObject({ seq: 3, entryId: 'aud_3', reason: 'hash_mismatch' });
  });

  it('reports a removed entry', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verify(entries)).toMatchObject({ seq: 3, reason: 'sequence_gap' });
  });

  it('reports an entry whose hash was recomputed after an edit at the next link', () => {
    const entries = chain(4);
    const edited = { ...entries[1]!, after: { b: 'forged' } };
    entries[1] = { ...edited, hash: auditEntryHash(edited) };
    expect(verify(entries)).toMatchObject({ seq: 3, reason: 'prev_hash_mismatch' });
  });

  it('reports removed newest entries against the recorded head', () => {
    const entries = chain(5);
    expect(verify(entries.slice(0, 3), { seq: 5, hash: entries[4]!.hash })).toMatchObject({ seq: 4, reason: 'tail_removed' });
  });
});
