import type { DeletionResult, DestinationContext } from '../destination.js';
import { deletionFailure } from '../http-status.js';
import { joinUrl } from '../http/http-mapping.js';

/**
 * What Amplitude holds under a subject's anonymous ids (its device ids), found through the Dashboard REST API's
 * user search (`GET /api/2/usersearch?user=<id>`, Basic auth with the API key and secret key). The User Privacy
 * API deletes by `user_ids` or `amplitude_ids`, so a visitor Amplitude only knows by device can be deleted only
 * by the Amplitude id the search finds.
 *
 * The search also matches a user_id by prefix, and its answer names each match's user_id and amplitude_id, not
 * the device. So only these matches are taken:
 * - with no user_id: an anonymous Amplitude user, the device's own;
 * - with one of the subject's own user_ids: already deleted through `user_ids`.
 * A match whose user_id starts with the searched id is a prefix hit on somebody's user_id, not the device: left
 * alone. Any other user_id means Amplitude links the device to a user this request does not name (a shared
 * computer, or an identity Sluice never saw): deleting it would delete that user, so it is reported instead.
 */
export interface DeviceLookup {
  /** Amplitude ids of anonymous users found under the subject's device ids. */
  readonly amplitudeIds: readonly number[];
  /** Devices Amplitude links to a user_id the request does not name: not deleted, reported. */
  readonly linkedToOthers: readonly { readonly anonymousId: string; readonly userId: string }[];
}

interface SearchMatch {
  readonly user_id?: unknown;
  readonly amplitude_id?: unknown;
}

export async function lookUpDevices(
  anonymousIds: readonly string[],
  ownUserIds: readonly string[],
  base: string,
  authorization: string,
  context: DestinationContext,
): Promise<DeviceLookup | Extract<DeletionResult, { kind: 'retry' | 'failed' }>> {
  const own = new Set(ownUserIds);
  const amplitudeIds = new Set<number>();
  const linkedToOthers: { anonymousId: string; userId: string }[] = [];
  for (const anonymousId of anonymousIds) {
    const response = await context.http.send({ method: 'GET', url: joinUrl(base, `/api/2/usersearch?user=${encodeURIComponent(anonymousId)}`), headers: { authorization } });
    const failure = deletionFailure(response.status, response.headers, response.body);
    if (failure?.kind === 'retry') return failure;
    if (failure?.kind === 'failed') return { kind: 'failed', error: `Amplitude user search for device ${anonymousId}: ${failure.error}` };
    let matches: unknown;
    try {
      matches = (JSON.parse(response.body) as { matches?: unknown }).matches;
    } catch {
      return { kind: 'failed', error: `Amplitude user search for device ${anonymousId} answered ${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}` };
    }
    if (!Array.isArray(matches)) return { kind: 'failed', error: `Amplitude user search for device ${anonymousId} answered without a "matches" list: ${response.body.slice(0, 200)}` };
    for (const match of matches as SearchMatch[]) {
      const userId = typeof match.user_id === 'string' && match.user_id !== '' ? match.user_id : undefined;
      if (userId === undefined) {
        if (typeof match.amplitude_id !== 'number' || !Number.isSafeInteger(match.amplitude_id)) {
          return { kind: 'failed', error: `Amplitude user search for device ${anonymousId} answered an amplitude_id Sluice cannot use exactly: ${String(match.amplitude_id)}` };
        }
        amplitudeIds.add(match.amplitude_id);
      } else if (!own.has(userId) && !(userId.startsWith(anonymousId) && userId !== anonymousId)) {
        linkedToOthers.push({ anonymousId, userId });
      }
    }
  }
  return { amplitudeIds: [...amplitudeIds], linkedToOthers };
}
