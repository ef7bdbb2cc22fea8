import { describe, expect, it } from 'vitest';
import { isSluiceError, type SluiceError } from '../core/errors.js';
import { mergeConfigPatch } from './config-patch.js';
import { maskUrl, restoreMaskedQuery, urlSecretStrings, urlWithoutSecrets } from './destination-secrets.js';

const webhook = { secretFields: ['signingSecret', 'headers'], urlFields: ['url'] };
const stored = { url: 'https://hooks.example.com/in?api_key=K3Y-VALUE&v=2', signingSecret: 'stored-signing', headers: { 'x-api-key': 'stored-key' } };

function refusal(run: () => unknown): SluiceError {
  try {
    run();
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('URL secret parts', () => {
  it('masks the user name, password and every query value, and keeps the rest readable', () => {
    expect(maskUrl('https://u:p@hooks.example.com:8443/in/x?api_key=abc&flag&empty=&v=2#frag')).toBe('https://********@hooks.example.com:8443/in/x?api_key=********&flag&empty=&v=********#frag');
    expect(maskUrl('https://hooks.example.com/in')).toBe('https://hooks.example.com/in');
    expect(maskUrl('not a url')).toBe('not a url');
    const masked = maskUrl(stored.url);
    expect(maskUrl(masked)).toBe(masked);
  });

  it('restores masked query values from the stored URL by name, and names those it cannot', () => {
    expect(restoreMaskedQuery('https://hooks.example.com/other?v=********&api_key=********', stored.url)).toEqual({ url: 'https://hooks.example.com/other?v=2&api_key=K3Y-VALUE', unmatched: [] });
    expect(restoreMaskedQuery('https://hooks.example.com/in?token=********', stored.url)).toEqual({ url: 'https://hooks.example.com/in?token=********', unmatched: ['token'] });
  });

  it('lists the secret parts for previews and leaves them out of messages', () => {
    expect(urlSecretStrings('https://us%40er:p%20w@h.example/x?k=a%2Bb')).toEqual(expect.arrayContaining(['us%40er', 'us@er', 'p%20w', 'p w', 'a%2Bb', 'a+b']));
    expect(urlWithoutSecrets('https://u:p@h.example:8443/x?k=v')).toBe('https://h.example:8443/x');
  });
});

describe('mergeConfigPatch', () => {
  it('keeps secrets and the sealed URL the caller cannot see, on the same host', () => {
    expect(mergeConfigPatch(webhook, { batching: true }, stored)).toEqual({ ...stored, batching: true });
    expect(mergeConfigPatch(webhook, { url: maskUrl(stored.url), signingSecret: '********' }, stored)).toEqual(stored);
    expect(mergeConfigPatch(webhook, { url: 'https://hooks.example.com/v2?api_key=********' }, stored)).toEqual({ ...stored, url: 'https://hooks.example.com/v2?api_key=K3Y-VALUE' });
  });

  it('refuses a masked query value the stored URL has no value for', () => {
    const error = refusal(() => mergeConfigPatch(webhook, { url: 'https://hooks.example.com/in?apikey=********' }, stored));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('apikey');
  });
});
