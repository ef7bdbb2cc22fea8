import type { RoleName } from './api-token.js';

export const MEMBER_STATUSES = ['invited', 'active', 'suspended'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A person with console access to one workspace. The password is only ever held as a scrypt hash. */
export interface Member {
  id: string;
  workspaceId: string;
  email: string;
  name: string;
  role: RoleName;
  status: MemberStatus;
  hasPassword: boolean;
  /** Set by an owner/admin: the member must choose a new password before doing anything else. */
  mustResetPassword: boolean;
  /** Set by an owner/admin: the member may not change their own name or email. */
  profileLocked: boolean;
  productEmailsOptOut: boolean;
  /** Set by the member: no delivery-alert emails for them (src/alerts/). */
  deliveryAlertEmailsOptOut: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

/** A console session (the cookie holds a random secret; only its SHA-256 is stored). */
export interface Session {
  id: string;
  workspaceId: string;
  memberId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  /** The address it was opened from. */
  ip: string | null;
  /** When it last authenticated a request (to the minute); null until then. */
  lastUsedAt: number | null;
  /** The browser's User-Agent at login, when it sent one. */
  userAgent: string | null;
}

export type AccountLinkPurpose = 'setup' | 'invite' | 'password_reset';

/** A one-time link (setup, invitation, password reset), stored by the SHA-256 of its secret. */
export interface AccountLink {
  workspaceId: string;
  memberId: string | null;
  purpose: AccountLinkPurpose;
  expiresAt: number;
  usedAt: number | null;
}

/** A published version of a workspace's privacy policy. */
export interface PolicyVersion {
  id: string;
  workspaceId: string;
  version: number;
  title: string;
  text: string | null;
  url: string | null;
  effectiveAt: number;
  material: boolean;
  publishedAt: number;
  publishedBy: string;
}
