import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../src/cli/audit-command.js';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
let sourceId = '';

type Entry = { id: string; seq: number; at: string; actor: string; action: string; resourceType: string; resourceId: string; resourceName?: string; before?: Record<string, unknown>; after?: Record<string, unknown>; ip?: string; hash: string; prevHash: string };
type Entries = { entries: Entry[]; nextCursor?: string };

beforeAll(async () => {
  sluice = await startTestSluice();
  const created = await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: sluice.token, body: { name: 'Website' } });
  sourceId = created.body.id;
  await api(sluice.url, 'PATCH', `/sources/${sourceId}`, { token: sluice.token, body: { name: 'Web app', enabled: false } });
  await api(sluice.url, 'POST', `/sources/${sourceId}/rotate-write-key`, { token: sluice.token });
});
afterAll(async () => {
  await sluice?.stop();
});

describe('audit log', () => {
  it('records source changes with who, what, before/after and IP, chained by hash', async () => {
    const res = await api<Entries>(sluice.url, 'GET', `/audit-log?resourceId=${sourceId}`, { token: sluice.token });
    expect(res.status).toBe(200);
    const [rotate, update, create] = res.body.entries;
    expect([create?.action, update?.action, rotate?.action]).toEqual(['source.create', 'source.update', 'source.rotate_write_key']);
    expect(create).toMatchObject({ resourceType: 'source', resourceId: sourceId, resourceName: 'Website', ip: '127.0.0.1' });
    expect(create?.actor).toMatch(/^token:tok_/);
    expect(update?.before).toMatchObject({ name: 'Website', enabled: true });
    expect(update?.after).toMatchObject({ name: 'Web app', enabled: false });
    expect(rotate?.before?.keyFingerprint).not.toEqual(rotate?.after?.keyFingerprint);
    expect(update?.prevHash).toBe(create?.hash);
    expect(rotate?.prevHash).toBe(update?.hash);
    expect(res.text).not.toContain(sluice.writeKey);
  });

  it('filters by action and pages with a cursor', async () => {
    const byAction = await api<Entries>(sluice.url, 'GET', '/audit-log?action=source.update', { token: sluice.token });
    expect(byAction.body.entries.map((e) => e.action)).toEqual(['source.update']);
    const first = await api<Entries>(sluice.url, 'GET', '/audit-log?limit=2', { token: sluice.token });
    expect(first.body.entries).toHaveLength(2);
    const second = await api<Entries>(sluice.url, 'GET', `/audit-log?limit=2&cursor=${first.body.nextCursor}`, { token: sluice.token });
    expect(second.body.entries[0]!.seq).toBeLessThan(first.body.entries[1]!.seq);
    const bad = await api(sluice.url, 'GET', '/audit-log?cursor=nonsense', { token: sluice.token });
    expect(bad.status).toBe(400);
  });

  it('refuses a mistyped action (list and export) with the actions it takes, instead of answering an empty log', async () => {
    for (const path of ['/audit-log?action=sorce.create', '/audit-log?action=source.creat', `/audit-log?action=${encodeURIComponent('sorce*')}`, '/audit-log/export?action=sorce.create']) {
      const res = await api<{ error: { code: string; message: string } }>(sluice.url, 'GET', path, { token: sluice.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain('is not an action Sluice records');
      expect(res.body.error.message).toContain('source.create, source.rotate_write_key, source.update');
      expect(res.body.error.message).toContain('privacy_request.<step>');
    }
    const typo = await api<{ error: { message: string } }>(sluice.url, 'GET', '/audit-log?action=sorce.create', { token: sluice.token });
    expect(typo.body.error.message).toContain('Did you mean source.create?');
    // Every privacy request step is taken, known to this version or not.
    const step = await api<Entries>(sluice.url, 'GET', '/audit-log?action=privacy_request.received', { token: sluice.token });
    expect(step.status).toBe(200);
  });

  it('refuses an exact actor that fits none of the shapes Sluice records (list and export), pointing to actorContains', async () => {
    for (const path of ['/audit-log?actor=owner', `/audit-log?actor=${encodeURIComponent('ada@example.com')}`, '/audit-log/export?actor=owner']) {
      const res = await api<{ error: { code: string; message: string } }>(sluice.url, 'GET', path, { token: sluice.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain('is not an actor Sluice records');
      expect(res.body.error.message).toContain('"member:<id> (<email>)", "token:<id> (<name>)"');
      expect(res.body.error.message).toContain('actorContains=');
    }
    // An id given alone is told to take a prefix (the recorded actor carries the email or the token's name).
    const bare = await api<{ error: { message: string } }>(sluice.url, 'GET', '/audit-log?actor=member:mem_1', { token: sluice.token });
    expect(bare.status).toBe(400);
    expect(bare.body.error.message).toContain('end it with * (actor=member:mem_1*)');
    // Every shape is taken, matching or not; and an actor an earlier version wrote is still found.
    const actor = (await api<Entries>(sluice.url, 'GET', `/audit-log?resourceId=${sourceId}`, { token: sluice.token })).body.entries[0]!.actor;
    for (const given of [actor, 'system', 'cli', 'subject (one-time code by email)', 'member:mem_x (x@example.com)', 'token:tok_x ()']) {
      expect((await api(sluice.url, 'GET', `/audit-log?actor=${encodeURIComponent(given)}`, { token: sluice.token })).status, given).toBe(200);
    }
    expect((await api<Entries>(sluice.url, 'GET', `/audit-log?actor=${encodeURIComponent(actor)}&resourceId=${sourceId}`, { token: sluice.token })).body.entries).toHaveLength(3);
    await sluice.store.audit.append({ workspaceId: sluice.bootstrap.workspaceId, actor: 'setup-script', action: 'source.update', resourceType: 'source', resourceId: 'src_older', resourceName: 'Made by an older Sluice' });
    const older = await api<Entries>(sluice.url, 'GET', '/audit-log?actor=setup-script', { token: sluice.token });
    expect(older.body.entries.map((e) => e.actor)).toEqual(['setup-script']);
  });

  it('filters by the start of the action (ending with *) and by part of the actor, ignoring case', async () => {
    const sources = await api<Entries>(sluice.url, 'GET', `/audit-log?action=${encodeURIComponent('source.*')}&resourceId=${sourceId}`, { token: sluice.token });
    expect(sources.body.entries.map((e) => e.action)).toEqual(['source.rotate_write_key', 'source.update', 'source.create']);
    // 'source' is not an action (they are source.create, ...): refused, pointing at the prefix, not an empty log.
    const exact = await api<{ error: { code: string; message: string } }>(sluice.url, 'GET', '/audit-log?action=source', { token: sluice.token });
    expect(exact.status).toBe(400);
    expect(exact.body.error.message).toContain('source* for every source action');
    // An action that exists but has not happened in this workspace is an empty list, not an error.
    const none = await api<Entries>(sluice.url, 'GET', '/audit-log?action=member.two_factor_reset', { token: sluice.token });
    expect(none.status).toBe(200);
    expect(none.body.entries).toEqual([]);
    const actor = sources.body.entries[0]!.actor;
    const byPart = await api<Entries>(sluice.url, 'GET', `/audit-log?resourceId=${sourceId}&actorContains=${encodeURIComponent(actor.slice(6, 14).toUpperCase())}`, { token: sluice.token });
    expect(byPart.body.entries).toHaveLength(3);
    const nobody = await api<Entries>(sluice.url, 'GET', '/audit-log?actorContains=nobody%40example.com', { token: sluice.token });
    expect(nobody.body.entries).toEqual([]);
  });

  it("finds what a member did with their API tokens when searching for the member, by email or actor", async () => {
    const invite = async (email: string) => {
      const invited = await api<{ member: { id: string }; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email, name: email, role: 'admin' } });
      const client = new ConsoleClient(sluice.url);
      expect((await client.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'a long enough password' })).status).toBe(200);
      const token = (await client.call<{ token: string }>('POST', '/tokens', { name: `${email}'s script`, role: 'admin' })).body.token;
      return { id: invited.body.member.id, token };
    };
    const grace = await invite('grace@example.com');
    const other = await invite('linus@example.com');
    const byScript = await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: grace.token, body: { name: "Grace's script made this" } });
    await api(sluice.url, 'POST', '/sources', { token: other.token, body: { name: "Linus's script made this" } });

    const byEmail = await api<Entries>(sluice.url, 'GET', '/audit-log?actorContains=GRACE%40example', { token: sluice.token });
    const created = byEmail.body.entries.find((e) => e.action === 'source.create');
    // The entry names the token and the member who owns it (never the token's secret).
    expect(created).toMatchObject({ resourceId: byScript.body.id, actor: `token:${created!.actor.slice(6).split(' ')[0]} (grace@example.com's script) of member:${grace.id} (grace@example.com)` });
    expect(JSON.stringify(byEmail.body)).not.toContain(grace.token);
    expect(byEmail.body.entries.some((e) => e.action === 'token.create')).toBe(true); // made in the console session
    expect(byEmail.body.entries.some((e) => e.resourceName === "Linus's script made this")).toBe(false);
    const byActor = await api<Entries>(sluice.url, 'GET', `/audit-log?actor=${encodeURIComponent(`member:${grace.id}*`)}&action=source.create`, { token: sluice.token });
    expect(byActor.body.entries.map((e) => e.resourceId)).toEqual([byScript.body.id]);
    const exported = await api(sluice.url, 'GET', '/audit-log/export?actorContains=grace%40example.com&action=source.create', { token: sluice.token });
    expect(exported.text.trim().split('\n')).toHaveLength(1);
  });

  it('finds what a removed member did with their API tokens by their email, also entries written before token actors named their member', async () => {
    const invited = await api<{ member: { id: string }; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'margaret@example.com', name: 'Margaret', role: 'admin' } });
    const memberId = invited.body.member.id;
    const client = new ConsoleClient(sluice.url);
    expect((await client.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'a long enough password' })).status).toBe(200);
    const made = (await client.call<{ id: string; token: string }>('POST', '/tokens', { name: 'apollo', role: 'admin' })).body;
    const bySecret = await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: made.token, body: { name: 'Made by a script of Margaret' } });
    // An entry as versions before this one wrote it: the token alone.
    await sluice.store.audit.append({ workspaceId: sluice.bootstrap.workspaceId, actor: `token:${made.id} (apollo)`, action: 'source.update', resourceType: 'source', resourceId: bySecret.body.id, resourceName: 'Renamed by an older Sluice' });
    expect((await api(sluice.url, 'DELETE', `/members/${memberId}`, { token: sluice.token })).status).toBe(204);

    const byEmail = await api<Entries>(sluice.url, 'GET', '/audit-log?actorContains=MARGARET%40example.com', { token: sluice.token });
    const actions = byEmail.body.entries.filter((e) => e.resourceId === bySecret.body.id).map((e) => [e.action, e.actor]);
    expect(actions).toEqual([
      ['source.update', `token:${made.id} (apollo)`],
      ['source.create', `token:${made.id} (apollo) of member:${memberId} (margaret@example.com)`],
    ]);
    expect(byEmail.body.entries.some((e) => e.action === 'token.create' && e.resourceId === made.id)).toBe(true);
    const byActor = await api<Entries>(sluice.url, 'GET', `/audit-log?actor=${encodeURIComponent(`member:${memberId}*`)}&resourceId=${bySecret.body.id}`, { token: sluice.token });
    expect(byActor.body.entries.map((e) => e.action)).toEqual(['source.update', 'source.create']);
    const exported = await api(sluice.url, 'GET', `/audit-log/export?actorContains=margaret%40example.com&resourceId=${bySecret.body.id}`, { token: sluice.token });
    expect(exported.text.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a query parameter the list or the export does not take, rather than answering every entry as if it matched', async () => {
    for (const path of ['/audit-log?actorEmail=ada@example.com', '/audit-log/export?user=ada']) {
      const res = await api<{ error: { code: string; message: string } }>(sluice.url, 'GET', path, { token: sluice.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toMatch(/query parameter (actorEmail|user) is not a field this request takes/);
      expect(res.body.error.message).toContain('actorContains');
    }
    // The filters it takes still work, on the export too.
    expect((await api(sluice.url, 'GET', `/audit-log/export?action=source.create&resourceId=${sourceId}`, { token: sluice.token })).status).toBe(200);
  });

  it('exports every entry as NDJSON', async () => {
    const res = await api(sluice.url, 'GET', '/audit-log/export', { token: sluice.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = res.text.trim().split('\n').map((line) => JSON.parse(line) as Entry);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((e) => typeof e.hash === 'string' && e.hash.length === 64)).toBe(true);
  });

  it('detects a row altered with raw SQL, in the API and in `sluice audit verify`', async () => {
    const intact = await api<{ ok: boolean; entries: number }>(sluice.url, 'GET', '/audit-log/verify', { token: sluice.token });
    expect(intact.body.ok).toBe(true);
    expect(intact.body.entries).toBeGreaterThanOrEqual(3);

    let report = '';
    expect(await runAuditVerify(sluice.store, undefined, (text) => (report += text))).toBe(0);
    expect(report).toContain('Audit log intact');

    await sql`update audit_log set actor = ${'someone-else'} where workspace_id = ${'ws_default'} and seq = ${2}`.execute(sluice.store.db);
    const broken = await api<{ ok: boolean; firstBroken: { seq: number; reason: string } }>(sluice.url, 'GET', '/audit-log/verify', { token: sluice.token });
    expect(broken.body.ok).toBe(false);
    expect(broken.body.firstBroken).toMatchObject({ seq: 2, reason: 'hash_mismatch' });

    report = '';
    expect(await runAuditVerify(sluice.store, undefined, (text) => (report += text))).toBe(1);
    expect(report).toMatch(/First broken link: workspace ws_default, seq 2, entry aud_\w+ \(hash_mismatch\)/);
  });
});
