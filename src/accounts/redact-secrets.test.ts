import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('replaces credential-named fields at any depth and keeps the rest', () => {
    const input = { url: 'https://hooks.example', signingSecret: 's3cr3t', headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k', Accept: 'json' }, list: [{ password: 'p' }], apiKey: '' };
    expect(redactSecrets(input)).toEqual({
      url: 'https://hooks.example',
      signingSecret: '[redacted]',
      headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]', Accept: 'json' },
      list: [{ password: '[redacted]' }],
      apiKey: '',
    });
    expect(input.signingSecret).toBe('s3cr3t');
  });
});
