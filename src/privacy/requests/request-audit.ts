/**
 * Where request lifecycle steps and exports are reported besides the request's own history. The accounts
 * work provides the hash-chained audit log; until it is wired in, the request's transitions are the record.
 */
export interface RequestAuditEntry {
  readonly workspaceId: string;
  readonly actor: string;
  /** e.g. `privacy_request.verified`, `privacy_request.exported`. */
  readonly action: string;
  readonly requestId: string;
  /** The IP address of the HTTP request that asked for the step (an admin's API call, the subject's hosted page); absent for Sluice's own steps. */
  readonly ip?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface RequestAuditSink {
  record(entry: RequestAuditEntry): Promise<void>;
}

/** Records nothing beyond the request's own transitions. */
export const NO_AUDIT: RequestAuditSink = { record: async () => {} };
