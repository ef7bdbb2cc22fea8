import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../core/errors.js';
import { destinationType } from './registry.js';
import { validateDestinationConfig } from './validate-config.js';

describe('validateDestinationConfig', () => {
  it('names the field, the reason and the setting that allows it, in one sentence per problem', async () => {
    const webhook = destinationType('webhook')!;
    const error = await validateDestinationConfig(webhook, { url: 'http://10.0.0.5/hook' }, []).then(() => undefined, (e: unknown) => e);
    expect(isSluiceError(error) && error.code).toBe('validation_failed');
    const message = (error as Error).message;
    expect(message).toBe('Invalid config for a webhook destination: config.url: 10.0.0.5 is a private address; destinations may only reach public addresses unless SLUICE_ALLOW_PRIVATE_DESTINATIONS allows this host or address (e.g. SLUICE_ALLOW_PRIVATE_DESTINATIONS=10.0.0.5).');
    expect(await validateDestinationConfig(webhook, { url: 'http://10.0.0.5/hook' }, ['10.0.0.5'])).toEqual({ url: 'http://10.0.0.5/hook' });
  });
});
