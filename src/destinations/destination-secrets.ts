import type { Destination, StoredDestination } from '../core/destination.js';
import type { Keys } from '../core/crypto/keys.js';
import type { DestinationRepository } from '../store/store.js';

/** What the API shows instead of a secret that is set (a whole field, or a URL's credentials or query value). */
export const SECRET_MASK = '********';

/** What a destination type declares about its config's secrets (`DestinationType` has both). */
export interface SecretDeclaration {
  /** Keys whose whole value is a secret. */
  readonly secretFields: readonly string[];
  /** Keys holding URLs: their query values (and any user name and password) are sealed, the rest shown. */
  readonly urlFields?: readonly string[];
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The `name=value` parts of a URL's query, as serialized (percent-encoded). */
function queryParts(url: URL): string[] {
  return url.search === '' ? [] : url.search.slice(1).split('&');
}

/** `name=value` -> `name=********`; a bare name or an empty value stays as it is. */
function maskQueryPart(part: string): string {
  const eq = part.indexOf('=');
  return eq < 0 || eq === part.length - 1 ? part : `${part.slice(0, eq + 1)}${SECRET_MASK}`;
}

/** Whether a URL carries secret parts: a user name or password, or a query value. */
export function urlHasSecrets(raw: string): boolean {
  const url = parseUrl(raw);
  return url !== undefined && (url.username !== '' || url.password !== '' || queryParts(url).some((p) => maskQueryPart(p) !== p));
}

/**
 * The URL as the API shows it: user name and password replaced by one {@link SECRET_MASK}, every query value
 * by {@link SECRET_MASK}; scheme, host, port, path and parameter names stay readable. A URL without secret
 * parts (or that does not parse) is returned unchanged; masking a masked URL changes nothing.
 *
 * @example maskUrl('https://u:p@hooks.example.com/in?api_key=abc&v=2')
 *   // => 'https://********@hooks.example.com/in?api_key=********&v=********'
 */
export function maskUrl(raw: string): string {
  const url = parseUrl(raw);
  if (url === undefined || !urlHasSecrets(raw)) return raw;
  const userinfo = url.username !== '' || url.password !== '' ? `${SECRET_MASK}@` : '';
  const parts = queryParts(url);
  const search = parts.length === 0 ? '' : `?${parts.map(maskQueryPart).join('&')}`;
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${search}${url.hash}`;
}

/**
 * A request URL with every query value that is one of `values` (a URL field's secrets, as {@link urlSecretStrings}
 * lists them, whatever their length) replaced by `mask`; the rest of the URL exactly as it was.
 *
 * @example maskQueryValues('https://h.example/in?token=abc&page=1', new Set(['abc']), '****')
 *   // => 'https://h.example/in?token=****&page=1'
 */
export function maskQueryValues(raw: string, values: ReadonlySet<string>, mask: string): string {
  const start = raw.indexOf('?');
  if (start < 0 || values.size === 0) return raw;
  const end = raw.indexOf('#', start);
  const query = raw.slice(start + 1, end < 0 ? undefined : end);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  const masked = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const value = eq < 0 ? '' : part.slice(eq + 1);
    return value !== '' && (values.has(value) || values.has(decode(value))) ? `${part.slice(0, eq + 1)}${mask}` : part;
  });
  return `${raw.slice(0, start + 1)}${masked.join('&')}${end < 0 ? '' : raw.slice(end)}`;
}

/**
 * Restores query values sent back masked (`name=********`, as the API showed them) from the stored URL's
 * parameter of the same name, in order. Answers the URL and the names of masked parameters the stored URL
 * has no value for.
 */
export function restoreMaskedQuery(sent: string, stored: string): { url: string; unmatched: string[] } {
  const sentUrl = parseUrl(sent);
  const storedUrl = parseUrl(stored);
  if (sentUrl === undefined || storedUrl === undefined) return { url: sent, unmatched: [] };
  const storedParts = queryParts(storedUrl);
  const used = new Set<number>();
  const unmatched: string[] = [];
  let changed = false;
  const parts = queryParts(sentUrl).map((part) => {
    if (!part.endsWith(`=${SECRET_MASK}`)) return part;
    const index = storedParts.findIndex((candidate, i) => !used.has(i) && maskQueryPart(candidate) === part);
    if (index < 0) {
      unmatched.push(decodeURIComponent(part.slice(0, part.indexOf('='))));
      return part;
    }
    used.add(index);
    changed = true;
    return storedParts[index]!;
  });
  if (!changed) return { url: sent, unmatched };
  sentUrl.search = parts.join('&');
  return { url: sentUrl.toString(), unmatched };
}

/** The secret parts of a URL in clear (user name, password, query values; raw and decoded), for masking previews. */
export function urlSecretStrings(raw: string): string[] {
  const url = parseUrl(raw);
  if (url === undefined) return [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  const values = queryParts(url).filter((p) => maskQueryPart(p) !== p).map((p) => p.slice(p.indexOf('=') + 1));
  return [...new Set([url.username, url.password, ...values].filter((s) => s !== '').flatMap((s) => [s, decode(s)]))];
}

/** A URL for messages that outlive the request (deletion certificates): scheme, host and path only. */
export function urlWithoutSecrets(raw: string): string {
  const url = parseUrl(raw);
  return url === undefined ? '(invalid URL)' : `${url.origin}${url.pathname}`;
}

/**
 * Splits a config into what is stored in clear and what is sealed together with the installation's Keys:
 * secret fields are replaced by {@link SECRET_MASK} (so the API can show which are set); a URL field with
 * secret parts is shown as {@link maskUrl} gives it and sealed whole.
 *
 * @example
 *   const { publicConfig, sealedSecrets } = sealConfig({ url: 'https://h/in?key=k', signingSecret: 's3cret' }, webhook, keys);
 *   // publicConfig = { url: 'https://h/in?key=********', signingSecret: '********' }, sealedSecrets = 'v1....'
 */
export function sealConfig(config: Record<string, unknown>, declared: SecretDeclaration, keys: Keys): { publicConfig: Record<string, unknown>; sealedSecrets: string | null } {
  const publicConfig: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (declared.secretFields.includes(key) && value !== undefined && value !== null && value !== '') {
      secrets[key] = value;
      publicConfig[key] = SECRET_MASK;
    } else if ((declared.urlFields ?? []).includes(key) && typeof value === 'string' && urlHasSecrets(value)) {
      secrets[key] = value;
      publicConfig[key] = maskUrl(value);
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
 * Seals secrets that an earlier version stored in the clear config: a field that became secret later (e.g. a
 * webhook's custom headers), and the credentials and query values of URL fields. Runs at start; returns how
 * many destinations it re-sealed. Idempotent: a destination whose secret fields are all masked or absent and
 * whose URLs show no secret part is left alone.
 */
export async function sealSecretsStoredInClear(
  destinations: Pick<DestinationRepository, 'listAll' | 'update'>,
  declarationOf: (type: string) => SecretDeclaration | undefined,
  keys: Keys,
): Promise<number> {
  let resealed = 0;
  for (const stored of await destinations.listAll()) {
    const declared = declarationOf(stored.type) ?? { secretFields: [] };
    const clear = (f: string) => stored.publicConfig[f] !== undefined && stored.publicConfig[f] !== null && stored.publicConfig[f] !== SECRET_MASK;
    const urlInClear = (f: string) => {
      const value = stored.publicConfig[f];
      return typeof value === 'string' && maskUrl(value) !== value;
    };
    if (!declared.secretFields.some(clear) && !(declared.urlFields ?? []).some(urlInClear)) continue;
    const { publicConfig, sealedSecrets } = sealConfig(openDestination(stored, keys).config, declared, keys);
    await destinations.update(stored.workspaceId, stored.id, { publicConfig, sealedSecrets });
    resealed++;
  }
  return resealed;
}
