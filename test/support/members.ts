import { expect } from 'vitest';
import { api } from './api-client.js';
import { ConsoleClient } from './console-client.js';
import type { TestSluice } from './start-test-sluice.js';

/** A member as the members API answers it (the fields the accounts tests read). */
export type MemberView = { id: string; email: string; role: string; status: string; profileLocked: boolean; mustResetPassword: boolean; productEmailsOptOut: boolean };

/** Invites someone through the API (the owner's token unless `by`); answers the member and the invitation's secret. */
export async function inviteMember(sluice: TestSluice, email: string, role: string, by = sluice.token): Promise<{ member: MemberView; inviteToken: string }> {
  const res = await api<{ member: MemberView; inviteToken: string; inviteUrl: string }>(sluice.url, 'POST', '/members', { token: by, body: { email, name: email.split('@')[0], role } });
  expect(res.status, res.text).toBe(201);
  expect(res.body.inviteUrl).toContain(`/invite?token=${res.body.inviteToken}`);
  return res.body;
}

/** Invites someone and accepts the invitation: a member logged in to the console, with their client. */
export async function joinedMember(sluice: TestSluice, email: string, role: string, password = 'a long enough password'): Promise<{ client: ConsoleClient; member: MemberView }> {
  const invited = await inviteMember(sluice, email, role);
  const client = new ConsoleClient(sluice.url);
  const accepted = await client.call<{ member: MemberView }>('POST', '/auth/accept-invite', { token: invited.inviteToken, password });
  expect(accepted.status).toBe(200);
  return { client, member: accepted.body.member };
}
