/** A place events come from (a website, an app, a server), identified on the Tracking API by its writeKey. */
export interface Source {
  id: string;
  workspaceId: string;
  name: string;
  writeKey: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}
