/**
 * The base URL of a tool's second API (its privacy or private API) when the config does not name one, from the
 * configured ingestion `baseUrl`: a tool's own regional ingestion host maps to its documented counterpart
 * (`api.eu.amplitude.com` -> `https://analytics.eu.amplitude.com`), so choosing the EU region for events also
 * sends deletions to the EU; any other base URL (self-hosted, a proxy, a test stand-in) serves both APIs.
 *
 * @example
 *   companionBase('https://api-eu.mixpanel.com', { 'api-eu.mixpanel.com': 'eu.mixpanel.com' }, 'https://mixpanel.com')
 *   // 'https://eu.mixpanel.com'
 */
export function companionBase(baseUrl: string | undefined, counterparts: Readonly<Record<string, string>>, defaultBase: string): string {
  if (baseUrl === undefined) return defaultBase;
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return baseUrl;
  }
  const counterpart = counterparts[host];
  return counterpart === undefined ? baseUrl : `https://${counterpart}`;
}
