import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const PASSWORD = 'a long enough password';

type SessionRow = { id: string; createdAt: string; lastUsedAt: string | null; expiresAt: string; ip: string | null; userAgent: string | null; current: boolean };

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

/** A console client whose requests name a browser (fetch sends no User-Agent of its own choosing otherwise). */
class Browser extends ConsoleClient {
  constructor(private readonly userAgent: string) {
    super(sluice.url);
  }

  async loginAs(email: string): Promise<void> {
    const res = await fetch(`${sluice.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': this.userAgent }, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(res.status).toBe(200);
    this.cookie = res.headers.get('set-cookie')!.split(';')[0];
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }
}

async function newMember(email: string, role = 'engineer'): Promise<string> {
  const invited = await api<{ member: { id: string }; inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email, name: 'Sessions', role } });
  expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
  return invited.body.member.id;
}

describe("a member's own console sessions", () => {
  it('lists them with browser, address and times, marks the current one, and never shows a secret', async () => {
    await newMember('sessions-list@example.com');
    const laptop = new Browser('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    const phone = new Browser('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1');
    await laptop.loginAs('sessions-list@example.com');
    await phone.loginAs('sessions-list@example.com');

    const listed = await laptop.call<{ sessions: SessionRow[] }>('GET', '/me/sessions');
    expect(listed.status).toBe(200);
    // The invitation's session, the laptop's and the phone's, newest first.
    expect(listed.body.sessions).toHaveLength(3);
    const [phoneRow, laptopRow] = listed.body.sessions;
    expect(phoneRow).toMatchObject({ current: false, ip: '127.0.0.1', userAgent: expect.stringContaining('iPhone') });
    expect(laptopRow).toMatchObject({ current: true, userAgent: expect.stringContaining('Firefox') });
    expect(laptopRow!.lastUsedAt).not.toBeNull(); // this request used it
    expect(phoneRow!.lastUsedAt).toBeNull(); // not used since login
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(laptop.cookie!.split('=')[1]);
    expect(text).not.toContain(laptop.csrf!);
    expect(text).not.toContain('csrf');
    // Another member's list holds none of these.
    await newMember('sessions-other@example.com');
    const other = new Browser('curl/8');
    await other.loginAs('sessions-other@example.com');
    const theirs = await other.call<{ sessions: SessionRow[] }>('GET', '/me/sessions');
    expect(theirs.body.sessions.map((s) => s.id)).not.toContain(phoneRow!.id);
    // Nor can they end one of them.
    expect((await other.call('DELETE', `/me/sessions/${phoneRow!.id}`)).status).toBe(404);
    expect((await phone.call('GET', '/sources')).status).toBe(200);
  });

  it('ends one session, audited; the ended browser is logged out, the others stay', async () => {
    const memberId = await newMember('sessions-end@example.com');
    const laptop = new Browser('Firefox/128.0 Linux');
    const stolen = new Browser('Chrome/126.0 Windows');
    await laptop.loginAs('sessions-end@example.com');
    await stolen.loginAs('sessions-end@example.com');
    const rows = (await laptop.call<{ sessions: SessionRow[] }>('GET', '/me/sessions')).body.sessions;
    const target = rows.find((s) => s.userAgent?.includes('Chrome'))!;

    expect((await laptop.call('DELETE', `/me/sessions/${target.id}`)).status).toBe(204);
    expect((await stolen.call('GET', '/sources')).status).toBe(401);
    expect((await laptop.call('GET', '/sources')).status).toBe(200);
    const again = await laptop.call<{ error: { code: string; message: string } }>('DELETE', `/me/sessions/${target.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain('ended or expired already');
    const [entry] = (await api<{ entries: { actor: string; after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.session_end&resourceId=${memberId}`, { token: sluice.token })).body.entries;
    expect(entry).toMatchObject({ actor: expect.stringContaining('sessions-end@example.com'), after: { ended: { id: target.id, current: false } } });
  });

  it('logs out every other session and keeps this one, audited with the count', async () => {
    const memberId = await newMember('sessions-others@example.com');
    const here = new Browser('Firefox/128.0 Linux');
    const a = new Browser('Chrome/126.0 Windows');
    const b = new Browser('Safari/604.1 Mac OS X');
    for (const browser of [here, a, b]) await browser.loginAs('sessions-others@example.com');

    const ended = await here.call<{ ended: number }>('DELETE', '/me/sessions');
    expect(ended.status).toBe(200);
    expect(ended.body.ended).toBe(3); // a, b and the invitation's
    expect((await a.call('GET', '/sources')).status).toBe(401);
    expect((await b.call('GET', '/sources')).status).toBe(401);
    expect((await here.call('GET', '/sources')).status).toBe(200);
    expect((await here.call<{ sessions: SessionRow[] }>('GET', '/me/sessions')).body.sessions.map((s) => s.current)).toEqual([true]);
    const [entry] = (await api<{ entries: { after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.sessions_end_others&resourceId=${memberId}`, { token: sluice.token })).body.entries;
    expect(entry?.after).toEqual({ ended: 3 });
  });

  it('lets an owner or admin log a member out everywhere without suspending them, audited; not an owner by an admin', async () => {
    const memberId = await newMember('sessions-lost-laptop@example.com');
    const laptop = new Browser('Firefox/128.0 Linux');
    await laptop.loginAs('sessions-lost-laptop@example.com');
    const ended = await api<{ ended: number }>(sluice.url, 'DELETE', `/members/${memberId}/sessions`, { token: sluice.token });
    expect(ended.status).toBe(200);
    expect(ended.body.ended).toBe(2); // the laptop and the invitation's
    expect((await laptop.call('GET', '/sources')).status).toBe(401);
    await laptop.loginAs('sessions-lost-laptop@example.com'); // not suspended: the password still works
    const [entry] = (await api<{ entries: { action: string; after?: unknown }[] }>(sluice.url, 'GET', `/audit-log?action=member.sessions_end&resourceId=${memberId}`, { token: sluice.token })).body.entries;
    expect(entry?.after).toEqual({ ended: 2 });

    // An admin may not log out an owner (as they may not suspend one).
    const ownerId = await newMember('sessions-owner@example.com', 'owner');
    await newMember('sessions-admin@example.com', 'admin');
    const admin = new Browser('Firefox/128.0 Linux');
    await admin.loginAs('sessions-admin@example.com');
    expect((await admin.call<{ error: { code: string } }>('DELETE', `/members/${ownerId}/sessions`)).body.error.code).toBe('role_too_high');
    expect((await admin.call<{ ended: number }>('DELETE', `/members/${memberId}/sessions`)).body.ended).toBe(1);
  });

  it('needs the CSRF header to end sessions from the console, as every write', async () => {
    await newMember('sessions-csrf@example.com');
    const here = new Browser('Firefox/128.0 Linux');
    await here.loginAs('sessions-csrf@example.com');
    const refused = await here.call<{ error: { code: string } }>('DELETE', '/me/sessions', undefined, { csrf: false });
    expect(refused.body.error.code).toBe('csrf_failed');
  });
});
