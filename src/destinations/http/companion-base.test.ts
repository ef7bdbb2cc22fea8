import { describe, expect, it } from 'vitest';
import { companionBase } from './companion-base.js';

const HOSTS = { 'api.eu.example.com': 'privacy.eu.example.com' };

describe('companionBase', () => {
  it('maps a known regional ingestion host to its counterpart, whatever the path or case', () => {
    expect(companionBase('https://API.eu.example.com/', HOSTS, 'https://privacy.example.com')).toBe('https://privacy.eu.example.com');
  });

  it('keeps any other base URL (self-hosted, proxy, test) and falls back to the default without one', () => {
    expect(companionBase('http://127.0.0.1:9000', HOSTS, 'https://privacy.example.com')).toBe('http://127.0.0.1:9000');
    expect(companionBase(undefined, HOSTS, 'https://privacy.example.com')).toBe('https://privacy.example.com');
  });
});
