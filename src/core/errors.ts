/**
 * The one error base of Sluice. Every error a user can see has a stable `code` (listed in docs/errors.md),
 * an HTTP `status`, and says whether retrying the same call can succeed (`retriable`).
 *
 * Expected outcomes (a consent block, a duplicate event) are values, not errors; this class is for
 * rejections of bad input and for outages.
 *
 * @example
 *   throw new SluiceError('event_too_large', 'Event 3 is 40120 bytes; the limit is 32 KB.');
 */
export const ERROR_CODES = {
  // Tracking API: input
  invalid_json: { status: 400, retriable: false },
  invalid_body: { status: 400, retriable: false },
  unsupported_media_type: { status: 415, retriable: false },
  invalid_encoding: { status: 400, retriable: false },
  empty_batch: { status: 400, retriable: false },
  batch_too_many_events: { status: 400, retriable: false },
  request_too_large: { status: 413, retriable: false },
  event_too_large: { status: 413, retriable: false },
  nesting_too_deep: { status: 400, retriable: false },
  no_user_anon_id: { status: 400, retriable: false },
  invalid_type: { status: 400, retriable: false },
  event_not_string: { status: 400, retriable: false },
  properties_not_object: { status: 400, retriable: false },
  traits_not_object: { status: 400, retriable: false },
  context_not_object: { status: 400, retriable: false },
  integrations_not_object: { status: 400, retriable: false },
  invalid_field: { status: 400, retriable: false },
  message_id_too_long: { status: 400, retriable: false },
  invalid_timestamp: { status: 400, retriable: false },
  missing_group_id: { status: 400, retriable: false },
  missing_previous_id: { status: 400, retriable: false },
  // Tracking API: auth and capacity
  missing_write_key: { status: 401, retriable: false },
  unknown_source: { status: 401, retriable: false },
  source_disabled: { status: 401, retriable: false },
  too_many_requests: { status: 429, retriable: true },
  backlog_full: { status: 503, retriable: true },
  // Admin API
  unauthorized: { status: 401, retriable: false },
  forbidden: { status: 403, retriable: false },
  not_found: { status: 404, retriable: false },
  validation_failed: { status: 400, retriable: false },
  conflict: { status: 409, retriable: false },
  invalid_cursor: { status: 400, retriable: false },
  // Accounts
  invalid_credentials: { status: 401, retriable: false },
  account_locked: { status: 423, retriable: true },
  account_suspended: { status: 403, retriable: false },
  login_rate_limited: { status: 429, retriable: true },
  csrf_failed: { status: 403, retriable: false },
  password_reset_required: { status: 403, retriable: false },
  weak_password: { status: 400, retriable: false },
  invalid_link: { status: 400, retriable: false },
  workspace_required: { status: 400, retriable: false },
  role_too_high: { status: 403, retriable: false },
  last_owner: { status: 409, retriable: false },
  profile_locked: { status: 403, retriable: false },
  email_taken: { status: 409, retriable: false },
  two_factor_required: { status: 401, retriable: false },
  two_factor_code_invalid: { status: 401, retriable: false },
  // Destinations
  destination_address_refused: { status: 400, retriable: false },
  destination_url_invalid: { status: 400, retriable: false },
  destination_url_credentials: { status: 400, retriable: false },
  destination_secrets_required: { status: 400, retriable: false },
  invalid_filter: { status: 400, retriable: false },
  // Privacy requests
  request_state_conflict: { status: 409, retriable: false },
  approval_needs_another_person: { status: 403, retriable: false },
  consent_category_in_use: { status: 409, retriable: false },
  extension_not_allowed: { status: 409, retriable: false },
  result_not_ready: { status: 409, retriable: true },
  no_download_link: { status: 409, retriable: false },
  no_deletion_follow_up: { status: 409, retriable: false },
  no_hand_confirmation: { status: 409, retriable: false },
  no_failed_recipients: { status: 409, retriable: false },
  email_not_given_up: { status: 409, retriable: false },
  no_correction_follow_up: { status: 409, retriable: false },
  direct_marketing_objection: { status: 409, retriable: false },
  download_link_invalid: { status: 403, retriable: false },
  verification_code_invalid: { status: 400, retriable: false },
  verification_code_expired: { status: 400, retriable: false },
  verification_attempts_exceeded: { status: 429, retriable: false },
  // Server side
  not_ready: { status: 503, retriable: true },
  storage_unavailable: { status: 503, retriable: true },
  internal_error: { status: 500, retriable: true },
  // Configuration and CLI
  invalid_config: { status: 500, retriable: false },
  queue_unreachable: { status: 503, retriable: true },
  database_unreachable: { status: 503, retriable: true },
  database_not_found: { status: 500, retriable: false },
  secret_key_mismatch: { status: 500, retriable: false },
  data_dir_in_use: { status: 500, retriable: false },
} as const satisfies Record<string, { status: number; retriable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  /** Extra machine-readable detail (e.g. the JSON position, the index of the bad event). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SluiceError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retriable = ERROR_CODES[code].retriable;
    this.details = details;
  }

  toBody(): { error: { code: string; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...(this.details ?? {}) } };
  }
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}
