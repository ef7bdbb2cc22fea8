import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
let tokenB = '';
let workspaceB = '';
const A: { sourceId: string; tokenId: string; memberId: string; writeKeyB: string } = { sourceId: '', tokenId: '', memberId: '', writeKeyB: '' };

beforeAll(async () => {
  sluice = await startTestSluice();
  const created = await api<{ workspace: { id: string }; ownerToken: string }>(sluice.url, 'POST', '/workspaces', { token: sluice.token, body: { name: 'Workspace B' } });
  expect(created.status, created.text).toBe(201);
  tokenB = created.body.ownerToken;
  workspaceB = created.body.workspace.id;
  A.sourceId = (await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: sluice.token, body: { name: 'A source' } })).body.id;
  A.tokenId = (await api<{ id: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'A token', role: 'viewer' } })).body.id;
  A.memberId = (await api<{ member: { id: string } }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'a@example.com', name: 'A', role: 'viewer' } })).body.member.id;
  A.writeKeyB = (await api<{ writeKey: string }>(sluice.url, 'POST', '/sources', { token: tokenB, body: { name: 'B source' } })).body.writeKey;
  const track = (writeKey: string, userId: string) =>
    fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, body: JSON.stringify({ userId, event: 'Isolation' }) });
  expect((await track(sluice.writeKey, 'user-in-a')).status).toBe(200);
  expect((await track(A.writeKeyB, 'user-in-b')).status).toBe(200);
  await eventually(async () => {
    const res = await api<{ events: unknown[] }>(sluice.url, 'GET', '/events?event=Isolation', { token: tokenB });
    return res.body.events.length > 0 ? true : undefined;
  });
});
afterAll(async () => {
  await sluice?.stop();
});

describe('workspace isolation', () => {
  it('a new workspace has its own data and owner token', async () => {
    const ws = await api<{ id: string }>(sluice.url, 'GET', '/workspace', { token: tokenB });
    expect(ws.body.id).toBe(workspaceB);
    const all = await api<{ workspaces: { id: string }[] }>(sluice.url, 'GET', '/workspaces', { token: sluice.token });
    expect(all.body.workspaces.map((w) => w.id)).toContain(workspaceB);
    // Only owners of the home workspace manage the installation's workspaces.
    expect((await api(sluice.url, 'GET', '/workspaces', { token: tokenB })).status).toBe(403);
    expect((await api(sluice.url, 'POST', '/workspaces', { token: tokenB, body: { name: 'C' } })).status).toBe(403);
  });

  it("B's token never reads A's sources, events, tokens, members or audit entries", async () => {
    const sources = await api<{ sources: { id: string }[] }>(sluice.url, 'GET', '/sources', { token: tokenB });
    expect(sources.body.sources.map((s) => s.id)).not.toContain(A.sourceId);
    expect((await api(sluice.url, 'GET', `/sources/${A.sourceId}`, { token: tokenB })).status).toBe(404);
    const events = await api<{ events: { userId: string }[] }>(sluice.url, 'GET', '/events?event=Isolation', { token: tokenB });
    expect(events.body.events.map((e) => e.userId)).toEqual(['user-in-b']);
    const eventsA = await api<{ events: { userId: string }[] }>(sluice.url, 'GET', '/events?event=Isolation', { token: sluice.token });
    expect(eventsA.body.events.map((e) => e.userId)).toEqual(['user-in-a']);
    const tokens = await api<{ tokens: { id: string }[] }>(sluice.url, 'GET', '/tokens', { token: tokenB });
    expect(tokens.body.tokens.map((t) => t.id)).not.toContain(A.tokenId);
    const members = await api<{ members: { id: string }[] }>(sluice.url, 'GET', '/members', { token: tokenB });
    expect(members.body.members.map((m) => m.id)).not.toContain(A.memberId);
    expect((await api(sluice.url, 'GET', `/members/${A.memberId}`, { token: tokenB })).status).toBe(404);
    expect((await api(sluice.url, 'GET', `/members/${A.memberId}/export`, { token: tokenB })).status).toBe(404);
    const audit = await api<{ entries: { resourceId: string }[] }>(sluice.url, 'GET', '/audit-log?limit=1000', { token: tokenB });
    expect(audit.body.entries.map((e) => e.resourceId)).not.toContain(A.sourceId);
    expect(audit.text).not.toContain(A.memberId);
    expect((await api(sluice.url, 'GET', `/audit-log?resourceId=${A.sourceId}`, { token: tokenB })).body).toEqual({ entries: [] });
  });

  it("B's token never changes A's sources, tokens or members", async () => {
    expect((await api(sluice.url, 'PATCH', `/sources/${A.sourceId}`, { token: tokenB, body: { enabled: false } })).status).toBe(404);
    expect((await api(sluice.url, 'POST', `/sources/${A.sourceId}/rotate-write-key`, { token: tokenB })).status).toBe(404);
    expect((await api(sluice.url, 'DELETE', `/tokens/${A.tokenId}`, { token: tokenB })).status).toBe(404);
    expect((await api(sluice.url, 'POST', `/members/${A.memberId}/suspend`, { token: tokenB })).status).toBe(404);
    expect((await api(sluice.url, 'PATCH', `/members/${A.memberId}`, { token: tokenB, body: { role: 'owner' } })).status).toBe(404);
    expect((await api(sluice.url, 'DELETE', `/members/${A.memberId}`, { token: tokenB })).status).toBe(404);
    const source = await api<{ enabled: boolean }>(sluice.url, 'GET', `/sources/${A.sourceId}`, { token: sluice.token });
    expect(source.body.enabled).toBe(true);
    const member = await api<{ status: string; role: string }>(sluice.url, 'GET', `/members/${A.memberId}`, { token: sluice.token });
    expect(member.body).toMatchObject({ status: 'invited', role: 'viewer' });
    const tokens = await api<{ tokens: { id: string; revokedAt: string | null }[] }>(sluice.url, 'GET', '/tokens', { token: sluice.token });
    expect(tokens.body.tokens.find((t) => t.id === A.tokenId)?.revokedAt).toBeNull();
  });

  it("a member of B logs in to B only, and B's audit chain is its own", async () => {
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: tokenB, body: { email: 'b@example.com', name: 'B', role: 'admin' } });
    const accepted = await fetch(`${sluice.url}/api/v1/auth/accept-invite`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: invited.body.inviteToken, password: 'member of b only' }) });
    const cookie = accepted.headers.get('set-cookie')!.split(';')[0]!;
    const sources = await fetch(`${sluice.url}/api/v1/sources/${A.sourceId}`, { headers: { cookie } });
    expect(sources.status).toBe(404);
    const verify = await api<{ ok: boolean; entries: number }>(sluice.url, 'GET', '/audit-log/verify', { token: tokenB });
    expect(verify.body.ok).toBe(true);
    expect(verify.body.entries).toBeGreaterThanOrEqual(3);
  });
});
