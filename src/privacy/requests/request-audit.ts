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
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface RequestAuditSink {
  record(entry: RequestAuditEntry): Promise<void>;
}

/** Records nothing beyond the request's own transitions. */
export const NO_AUDIT: RequestAuditSink = { record: async () => {} };
