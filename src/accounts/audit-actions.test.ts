import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, isKnownAuditAction, likelyAuditAction } from './audit-actions.js';

const SRC = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The actions the code records: `action: '…'` and the helpers that take one as their last argument. */
function recordedActions(): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /action: '([a-z_]+\.[a-z_]+)'/g,
    /record\(request, member, '([a-z_]+\.[a-z_]+)'/g,
    /askForReplay\([^;]*'([a-z_]+\.[a-z_]+)'\)/g,
    /removeMember\([^;]*'([a-z_]+\.[a-z_]+)'\)/g,
  ];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.add(match[1]!);
    // members-api: statusChange('suspend', ...) records `member.${path}`.
    for (const match of text.matchAll(/statusChange\('([a-z_]+)'/g)) found.add(`member.${match[1]}`);
  }
  return found;
}

describe('the audit actions a filter takes', () => {
  it('lists every action the code records', () => {
    const recorded = [...recordedActions()].filter((a) => !a.startsWith('privacy_request.'));
    expect(recorded.length).toBeGreaterThan(40);
    expect(recorded.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });

  it('takes exact actions, prefixes that match one, and any privacy request step', () => {
    expect(isKnownAuditAction('source.create')).toBe(true);
    expect(isKnownAuditAction('source*')).toBe(true);
    expect(isKnownAuditAction('privacy*')).toBe(true);
    expect(isKnownAuditAction('privacy_request.completed')).toBe(true);
    expect(isKnownAuditAction('privacy_request.*')).toBe(true);
    expect(isKnownAuditAction('*')).toBe(true);
    expect(isKnownAuditAction('sorce.create')).toBe(false);
    expect(isKnownAuditAction('source.creat')).toBe(false);
    expect(isKnownAuditAction('sorce*')).toBe(false);
    expect(isKnownAuditAction('Source.create')).toBe(false);
  });

  it('suggests the filter a mistyped one most likely meant', () => {
    expect(likelyAuditAction('sorce*')).toBe('source.*');
    expect(likelyAuditAction('sorce.*')).toBe('source.*');
    expect(likelyAuditAction('source')).toBe('source*');
    expect(likelyAuditAction('source.creat')).toBe('source.create');
    expect(likelyAuditAction('tokn.create')).toBe('token.create');
    expect(likelyAuditAction('zzzzzzzz*')).toBeUndefined();
  });
});
