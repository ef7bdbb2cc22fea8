import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { isSluiceError, type ErrorCode } from '../../core/errors.js';
import { AddressPolicy } from './address-policy.js';
import { parseDestinationUrl } from './destination-http.js';

/**
 * The save-time check of an HTTP destination URL (POST/PATCH of a destination): a well-formed http(s) URL
 * whose host is not, and does not resolve to, a private, loopback or link-local address unless
 * `allowPrivate` (SLUICE_ALLOW_PRIVATE_DESTINATIONS) allows it. Returns human-readable problems (empty when
 * fine). Resolution failures other than "no such host" are not problems: the connect-time guard of
 * `createDestinationHttp` checks the address again on every connection anyway.
 *
 * @example
 *   const problems = await checkDestinationUrl(config.url, appConfig.allowPrivateDestinations);
 *   if (problems.length) throw new SluiceError('validation_failed', `config.url: ${problems.join(' ')}`);
 */
export async function checkDestinationUrl(url: string, allowPrivate: readonly string[], lookup: LookupFunction = dns.lookup as LookupFunction): Promise<string[]> {
  return (await destinationUrlProblems(url, allowPrivate, lookup)).map((p) => p.message);
}

/** A problem of a destination URL with the error code it is answered with (docs/errors.md). */
export interface DestinationUrlProblem {
  readonly code: Extract<ErrorCode, 'destination_url_invalid' | 'destination_address_refused' | 'validation_failed'>;
  readonly message: string;
}

/** {@link checkDestinationUrl}'s problems with their codes: not an http(s) URL, a refused address, a host that does not resolve. */
export async function destinationUrlProblems(url: string, allowPrivate: readonly string[], lookup: LookupFunction = dns.lookup as LookupFunction): Promise<DestinationUrlProblem[]> {
  let parsed: URL;
  try {
    parsed = parseDestinationUrl(url);
  } catch (error) {
    if (isSluiceError(error)) return [{ code: 'destination_url_invalid', message: error.message }];
    throw error;
  }
  const policy = new AddressPolicy(allowPrivate);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const refused = (message: string): DestinationUrlProblem => ({ code: 'destination_address_refused', message });
  if (isIP(host) !== 0) {
    const refusal = policy.refusal(host, host);
    return refusal ? [refused(refusal)] : [];
  }
  if (policy.allowsHost(host)) return [];
  let addresses: LookupAddress[];
  try {
    addresses = await lookupAll(lookup, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [{ code: 'validation_failed', message: `${host} does not resolve to any address (DNS: ${code}): check the host name.` }];
    return [];
  }
  const problems: DestinationUrlProblem[] = [];
  for (const { address } of addresses) {
    const refusal = policy.refusal(host, address);
    if (refusal) problems.push(refused(refusal));
  }
  return problems;
}

function lookupAll(lookup: LookupFunction, host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(host, { all: true }, (error, addresses, family) => {
      if (error) reject(error);
      else resolve(Array.isArray(addresses) ? addresses : [{ address: addresses, family: family ?? 4 }]);
    });
  });
}
