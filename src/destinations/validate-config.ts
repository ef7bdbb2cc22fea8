import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SluiceError } from '../core/errors.js';
import { configSchemaProblems } from './config-schema-problems.js';
import type { DestinationType } from './destination.js';
import { destinationUrlProblems, type DestinationUrlProblem } from './http/check-destination-url.js';

// TypeBox's Value checks know no string formats until they are registered; the catalog's schemas use `uri`
// (baseUrl, Slack's webhookUrl), which otherwise fails every config that sets one ("Unknown format 'uri'").
if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (value) => {
    try {
      return new URL(value).protocol.length > 1;
    } catch {
      return false;
    }
  });
}

/**
 * Refuses a user name and password in a URL field (`destination_url_credentials`): the HTTP client never
 * sent them, and a URL is shown wherever the destination is. The message says where credentials go instead
 * and never repeats them.
 */
function refuseUrlCredentials(type: DestinationType<unknown>, config: Record<string, unknown>): void {
  for (const field of type.urlFields ?? []) {
    const value = config[field];
    if (typeof value !== 'string') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // the address checks below say what is wrong with it
    }
    if (url.username === '' && url.password === '') continue;
    const instead = type.secretFields.includes('headers')
      ? 'put them in a header instead, which is a secret (sealed at rest, never shown): "headers": {"authorization": "Basic <base64 of user:password>"}'
      : `this destination's credentials go in its secret fields (${type.secretFields.join(', ')}), which are sealed at rest and never shown`;
    throw new SluiceError(
      'destination_url_credentials',
      `config.${field} carries a user name and password (${url.protocol}//****@${url.host}): Sluice does not send credentials written in a URL, and a URL is shown wherever the destination is. Remove them from the URL; ${instead}.`,
      { field },
    );
  }
}

/**
 * Validates a destination config against its type's schema and own checks, refuses credentials in its URL
 * fields (`destination_url_credentials`), and checks the URLs of HTTP types against
 * SLUICE_ALLOW_PRIVATE_DESTINATIONS (`destination_url_invalid`, `destination_address_refused`). Throws
 * `validation_failed` listing every other problem with its path.
 */
/** Problems as one sentence: each may end with its own full stop (the address policy's do), the sentence has one. */
function sentence(problems: readonly string[]): string {
  return `${problems.map((p) => p.replace(/\.$/, '')).join('; ')}.`;
}

export async function validateDestinationConfig(type: DestinationType<unknown>, config: unknown, allowPrivate: readonly string[]): Promise<Record<string, unknown>> {
  const problems: string[] = [];
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new SluiceError('validation_failed', `config must be a JSON object for a destination of type ${type.type}.`);
  }
  problems.push(...configSchemaProblems(Value.Errors(type.configSchema, config)));
  if (problems.length === 0 && type.validateConfig) problems.push(...type.validateConfig(config).map((p) => `config: ${p}`));
  if (problems.length === 0) refuseUrlCredentials(type, config as Record<string, unknown>);
  if (problems.length === 0 && !type.reachesPrivateNetworks) {
    // A URL's own problems answer with their own code (destination_url_invalid, destination_address_refused).
    const urlProblems: { code: DestinationUrlProblem['code']; text: string }[] = [];
    for (const field of type.urlFields ?? []) {
      const value = (config as Record<string, unknown>)[field];
      if (typeof value === 'string') urlProblems.push(...(await destinationUrlProblems(value, allowPrivate)).map((p) => ({ code: p.code, text: `config.${field}: ${p.message}` })));
    }
    if (urlProblems.length > 0) {
      const texts = urlProblems.map((p) => p.text);
      throw new SluiceError(urlProblems[0]!.code, `Invalid config for a destination of type ${type.type}: ${sentence(texts)}`, { problems: texts });
    }
  }
  if (problems.length > 0) {
    throw new SluiceError('validation_failed', `Invalid config for a destination of type ${type.type}: ${sentence(problems)}`, { problems });
  }
  return config as Record<string, unknown>;
}
