/** A tenant: every source, destination, member and stored row belongs to exactly one workspace. */
export interface Workspace {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: number;
}

export const DEFAULT_WORKSPACE_ID = 'ws_default';
