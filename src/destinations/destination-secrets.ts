import type { Destination, StoredDestination } from '../core/destination.js';
import type { Keys } from '../core/crypto/keys.js';
import type { DestinationRepository } from '../store/store.js';

/** What the API shows instead of a secret that is set. */
export const SECRET_MASK = '********';

/**
 * Splits a config into what is stored in clear (secret fields replaced by {@link SECRET_MASK}, so the API
 * can show which are set) and the secret fields sealed together with the installation's Keys.
 *
 * @example
 *   const { publicConfig, sealedSecrets } = sealConfig({ url, signingSecret: 's3cret' }, ['signingSecret'], keys);
 *   // publicConfig = { url, signingSecret: '********' }, sealedSecrets = 'v1....'
 */
export function sealConfig(config: Record<string, unknown>, secretFields: readonly string[], keys: Keys): { publicConfig: Record<string, unknown>; sealedSecrets: string | null } {
  const publicConfig: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (secretFields.includes(key) && value !== undefined && value !== null && value !== '') {
      secrets[key] = value;
      publicConfig[key] = SECRET_MASK;
    } else {
      publicConfig[key] = value;
    }
  }
  return { publicConfig, sealedSecrets: Object.keys(secrets).length > 0 ? keys.encrypt(JSON.stringify(secrets)) : null };
}

/** The secret fields of a stored destination, in clear (for re-sealing on PATCH and for delivery). */
export function openSecrets(stored: Pick<StoredDestination, 'sealedSecrets'>, keys: Keys): Record<string, unknown> {
  return stored.sealedSecrets === null ? {} : (JSON.parse(keys.decrypt(stored.sealedSecrets)) as Record<string, unknown>);
}

/** The destination with its full config (secrets decrypted): only the pipeline sees this. */
export function openDestination(stored: StoredDestination, keys: Keys): Destination {
  const { publicConfig, sealedSecrets: _sealed, ...rest } = stored;
  return { ...rest, config: { ...publicConfig, ...openSecrets(stored, keys) } };
}

/**
 * Seals secret fields that an earlier version stored in the clear config (a field that became secret later,
 * e.g. a webhook's custom headers). Runs at start; returns how many destinations it re-sealed. Idempotent: a
 * destination whose secret fields are all masked or absent is left alone.
 */
export async function sealSecretsStoredInClear(
  destinations: Pick<DestinationRepository, 'listAll' | 'update'>,
  secretFieldsOf: (type: string) => readonly string[] | undefined,
  keys: Keys,
): Promise<number> {
  let resealed = 0;
  for (const stored of await destinations.listAll()) {
    const secretFields = secretFieldsOf(stored.type) ?? [];
    const inClear = secretFields.filter((f) => stored.publicConfig[f] !== undefined && stored.publicConfig[f] !== null && stored.publicConfig[f] !== SECRET_MASK);
    if (inClear.length === 0) continue;
    const { publicConfig, sealedSecrets } = sealConfig(openDestination(stored, keys).config, secretFields, keys);
    await destinations.update(stored.workspaceId, stored.id, { publicConfig, sealedSecrets });
    resealed++;
  }
  return resealed;
}
