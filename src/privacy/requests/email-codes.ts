import { randomInt } from 'node:crypto';
import type { Keys } from '../../core/crypto/keys.js';
import type { PrivacyRequestRepository } from './request-repository.js';

/**
 * The prefix of a new download link's code id (subject-new-links.ts). Its code is kept with the requests' codes, keyed
 * by this id instead of a request's: it belongs to no request, since asking for it must not tell whether one exists.
 */
export const NEW_LINK_CODE_PREFIX = 'dlc';

/** A one-time code is valid this long... */
export const CODE_TTL_MS = 10 * 60_000;
/** ...for this many guesses. */
export const CODE_ATTEMPTS = 3;

export interface EmailCodeDeps {
  readonly codes: Pick<PrivacyRequestRepository, 'putCode' | 'consumeCodeAttempt' | 'deleteCode'>;
  readonly keys: Pick<Keys, 'sign' | 'verify'>;
}

/** What one guess came to. The code is gone (deleted) after any but `wrong`. */
export type CodeCheck =
  | { readonly kind: 'right' }
  | { readonly kind: 'wrong'; readonly attemptsLeft: number }
  /** Its last attempt was wrong. */
  | { readonly kind: 'exhausted' }
  | { readonly kind: 'expired' }
  /** No code is kept under that id (never, used, or its attempts used up). */
  | { readonly kind: 'none' };

/**
 * The hosted page's 6-digit codes sent by email (a request's verification, a new download link): kept under an id
 * (`privacy_request_codes`) only as an HMAC of `payload(code)`, whatever the payload binds (workspace, id, the
 * address), valid {@link CODE_TTL_MS} for {@link CODE_ATTEMPTS} guesses. Each caller words its own email and errors.
 *
 * @example
 *   const { code, expiresAt } = await issueEmailCode(deps, { id, workspaceId }, (c) => payloadOf(c), now);
 *   const check = await checkEmailCode(deps, { id, workspaceId }, payloadOf(guess), now); // { kind: 'right' } ...
 */
export async function issueEmailCode(deps: EmailCodeDeps, target: { id: string; workspaceId: string }, payload: (code: string) => string, now: number): Promise<{ code: string; expiresAt: number }> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = now + CODE_TTL_MS;
  await deps.codes.putCode({ requestId: target.id, workspaceId: target.workspaceId, codeHash: deps.keys.sign(payload(code)), expiresAt, attemptsLeft: CODE_ATTEMPTS, createdAt: now });
  return { code, expiresAt };
}

/** Uses one attempt of the code kept under `target.id` on the guess's payload; deletes the code unless the guess was wrong with attempts left. */
export async function checkEmailCode(deps: EmailCodeDeps, target: { id: string; workspaceId: string }, guessPayload: string, now: number): Promise<CodeCheck> {
  const record = await deps.codes.consumeCodeAttempt(target.workspaceId, target.id);
  if (!record) return { kind: 'none' };
  if (now > record.expiresAt) {
    await deps.codes.deleteCode(target.workspaceId, target.id);
    return { kind: 'expired' };
  }
  if (!deps.keys.verify(guessPayload, record.codeHash)) {
    const attemptsLeft = record.attemptsLeft - 1;
    if (attemptsLeft > 0) return { kind: 'wrong', attemptsLeft };
    await deps.codes.deleteCode(target.workspaceId, target.id);
    return { kind: 'exhausted' };
  }
  await deps.codes.deleteCode(target.workspaceId, target.id);
  return { kind: 'right' };
}
