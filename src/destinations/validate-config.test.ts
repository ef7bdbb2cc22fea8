import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../core/errors.js';
import { destinationType, destinationTypes } from './registry.js';
import { validateDestinationConfig } from './validate-config.js';

describe('validateDestinationConfig', () => {
  it('names the field, the reason and the setting that allows it, in one sentence per problem, with the address code', async () => {
    const webhook = destinationType('webhook')!;
    const error = await validateDestinationConfig(webhook, { url: 'http://10.0.0.5/hook' }, []).then(() => undefined, (e: unknown) => e);
    expect(isSluiceError(error) && error.code).toBe('destination_address_refused');
    const message = (error as Error).message;
    expect(message).toBe('Invalid config for a destination of type webhook: config.url: 10.0.0.5 is a private address; destinations may only reach public addresses unless SLUICE_ALLOW_PRIVATE_DESTINATIONS allows this host or address (e.g. SLUICE_ALLOW_PRIVATE_DESTINATIONS=10.0.0.5).');
    expect(await validateDestinationConfig(webhook, { url: 'http://10.0.0.5/hook' }, ['10.0.0.5'])).toEqual({ url: 'http://10.0.0.5/hook' });
  });

  it('says what is wrong with each field in words, once per field, not in the schema\'s terms', async () => {
    const problem = async (type: string, config: Record<string, unknown>) => validateDestinationConfig(destinationType(type)!, config, []).then(() => 'valid', (e: unknown) => (e as Error).message);
    expect(await problem('amplitude', {})).toBe('Invalid config for a destination of type amplitude: config.apiKey is required.');
    expect(await problem('ga4', { measurementId: '1234567', apiSecret: '' })).toBe(
      'Invalid config for a destination of type ga4: config.measurementId does not have the expected form (Web stream measurement id (G-XXXXXXX)); config.apiSecret must not be empty.',
    );
    expect(await problem('webhook', { url: 'https://hooks.example.com/in', signingSecret: 'short', timeoutMs: 5, extra: true })).toBe(
      'Invalid config for a destination of type webhook: config.extra is not a setting of this destination type; config.signingSecret must be at least 8 characters long; config.timeoutMs must be at least 100.',
    );
    expect(await problem('mixpanel', { projectToken: 'tok-1', serviceAccountUsername: 'sa.user' })).toBe(
      "Invalid config for a destination of type mixpanel: config: serviceAccountSecret is needed with serviceAccountUsername (set both to import with a service account, or neither to import with the project token); config: projectId is needed with a service account (the project's id, in Mixpanel's project settings).",
    );
    expect(await problem('postgres', { connectionString: 'postgres://' })).not.toContain('.;');
    expect(await problem('s3', { bucket: 'archive', region: 'eu-west-1', accessKeyId: 'a', secretAccessKey: 's', endpoint: 'minio 9000' })).toBe(
      'Invalid config for a destination of type s3: config.endpoint must be a full URL, such as https://api.example.com.',
    );
  });

  it('knows every URL field of the catalog (format uri, and the webhook\'s url)', () => {
    for (const type of destinationTypes()) {
      const properties = (type.configSchema as { properties?: Record<string, { format?: string }> }).properties ?? {};
      const uriFields = Object.entries(properties).filter(([, p]) => p.format === 'uri').map(([name]) => name);
      expect([...(type.urlFields ?? [])].sort(), type.type).toEqual([...new Set([...uriFields, ...(type.type === 'webhook' ? ['url'] : [])])].sort());
    }
  });

  it('refuses a user name and password in any URL field, without repeating them', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['webhook', { url: 'https://user:p4ssw0rd@hooks.example.com/in' }, /"headers": \{"authorization": "Basic/],
      ['amplitude', { apiKey: 'k', deletionBaseUrl: 'https://user:p4ssw0rd@amplitude.example' }, /secret fields \(apiKey, secretKey\)/],
      ['s3', { bucket: 'archive', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's', endpoint: 'https://user:p4ssw0rd@minio.example' }, /config\.endpoint/],
    ];
    for (const [name, config, message] of cases) {
      const error = await validateDestinationConfig(destinationType(name)!, config, []).then(() => undefined, (e: unknown) => e);
      expect(isSluiceError(error) && error.code, name).toBe('destination_url_credentials');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/p4ssw0rd|user:p4|\/\/user/);
    }
  });

  it('checks every URL field against the address policy, deletion and API hosts included', async () => {
    const error = await validateDestinationConfig(destinationType('posthog')!, { apiKey: 'k', apiBaseUrl: 'http://10.0.0.5' }, []).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toContain('config.apiBaseUrl: 10.0.0.5 is a private address');
  });
});
