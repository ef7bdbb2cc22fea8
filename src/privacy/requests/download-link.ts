import type { Keys } from '../../core/crypto/keys.js';

/** How long a subject's download link works (sent in the completion notice). */
export const DOWNLOAD_LINK_TTL_MS = 7 * 86_400_000;

function payload(workspaceId: string, requestId: string, expiresAt: number): string {
  return `privacy-request-download\u0000${workspaceId}\u0000${requestId}\u0000${expiresAt}`;
}

/** A time-limited link to a request's result that needs no API token (HMAC over workspace, request, expiry). */
export function downloadLink(keys: Keys, publicUrl: string, workspaceId: string, requestId: string, expiresAt: number): string {
  const params = new URLSearchParams({ workspace: workspaceId, expires: String(expiresAt), signature: keys.sign(payload(workspaceId, requestId, expiresAt)) });
  return `${publicUrl}/api/v1/privacy-requests/${encodeURIComponent(requestId)}/download?${params.toString()}`;
}

export function verifyDownloadLink(keys: Keys, input: { workspaceId: string; requestId: string; expiresAt: number; signature: string }, now: number): 'ok' | 'expired' | 'invalid' {
  if (!/^[0-9a-f]{64}$/.test(input.signature) || !Number.isSafeInteger(input.expiresAt)) return 'invalid';
  if (!keys.verify(payload(input.workspaceId, input.requestId, input.expiresAt), input.signature)) return 'invalid';
  return now > input.expiresAt ? 'expired' : 'ok';
}
