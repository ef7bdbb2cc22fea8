/** Roles, highest first. The accounts work refines permissions per role. */
export const ROLE_NAMES = ['owner', 'admin', 'privacy', 'engineer', 'viewer'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** An admin API token as stored (the secret itself is only ever held as a SHA-256 hash). */
export interface ApiToken {
  id: string;
  workspaceId: string;
  name: string;
  role: RoleName;
  memberId: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
  /** The token a rotation replaced this one with; null: not rotated. */
  replacedBy: string | null;
}
