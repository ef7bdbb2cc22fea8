import { describe, expect, it } from 'vitest';
import { isSluiceError, type SluiceError } from '../core/errors.js';
import { mergeConfigPatch } from './config-patch.js';
import { maskUrl, restoreMaskedQuery, urlSecretStrings, urlWithoutSecrets } from './destination-secrets.js';

const webhook = { secretFields: ['signingSecret', 'headers'], urlFields: ['url'] };
const amplitude = { secretFields: ['apiKey', 'secretKey'], urlFields: ['baseUrl', 'deletionBaseUrl'] };
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
    expect(mergeConfigPatch(webhook, { url: 'https://hooks.example.com/in', signingSecret: null }, stored)).toEqual({ url: 'https://hooks.example.com/in', headers: stored.headers });
  });

  it('refuses a move to another host that keeps any stored secret, naming what to enter again', () => {
    const error = refusal(() => mergeConfigPatch(webhook, { url: 'https://evil.example/in' }, stored));
    expect(error.code).toBe('destination_secrets_required');
    expect(error.details).toEqual({ fields: ['headers', 'signingSecret'], moved: ['url'] });
    expect(error.message).toContain('config.url from https://hooks.example.com to https://evil.example');
    expect(error.message).not.toMatch(/K3Y-VALUE|stored-key|stored-signing/);
    // A new port or scheme is another origin too.
    expect(refusal(() => mergeConfigPatch(webhook, { url: 'https://hooks.example.com:8443/in' }, stored)).code).toBe('destination_secrets_required');
    expect(refusal(() => mergeConfigPatch(webhook, { url: 'http://hooks.example.com/in' }, stored)).code).toBe('destination_secrets_required');
    // Masked query values are stored secrets as well.
    const carried = refusal(() => mergeConfigPatch(webhook, { url: 'https://evil.example/in?api_key=********', signingSecret: 'new-signing', headers: {} }, stored));
    expect(carried.details).toMatchObject({ fields: ['url'] });
  });

  it('moves when every stored secret is entered again or removed', () => {
    const sent = { url: 'https://new.example/in?api_key=NEW', signingSecret: 'new-signing', headers: null };
    expect(mergeConfigPatch(webhook, sent, stored)).toEqual({ url: 'https://new.example/in?api_key=NEW', signingSecret: 'new-signing' });
  });

  it('treats setting, changing or removing a base URL as a move', () => {
    const amp = { apiKey: 'amp-key', baseUrl: 'https://api.eu.amplitude.com' };
    expect(refusal(() => mergeConfigPatch(amplitude, {}, amp)).details).toEqual({ fields: ['apiKey'], moved: ['baseUrl'] });
    expect(refusal(() => mergeConfigPatch(amplitude, { deletionBaseUrl: 'https://x.example' }, { apiKey: 'amp-key' })).details).toEqual({ fields: ['apiKey'], moved: ['deletionBaseUrl'] });
    expect(mergeConfigPatch(amplitude, { baseUrl: 'https://api.eu.amplitude.com/' }, amp)).toEqual({ ...amp, baseUrl: 'https://api.eu.amplitude.com/' });
    // Without any stored secret there is nothing to protect.
    expect(mergeConfigPatch(amplitude, { apiKey: 'k2', baseUrl: 'https://x.example' }, amp)).toEqual({ apiKey: 'k2', baseUrl: 'https://x.example' });
  });

  it('refuses a masked query value the stored URL has no value for', () => {
    const error = refusal(() => mergeConfigPatch(webhook, { url: 'https://hooks.example.com/in?apikey=********' }, stored));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('apikey');
  });
});
