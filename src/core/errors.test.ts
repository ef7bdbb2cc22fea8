import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SluiceError } from './errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([a-z_:]+)` \|/gm)].map((m) => m[1]));

  it('documents every code in docs/errors.md', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const unknown = [...documented].filter((code) => !(code! in ERROR_CODES));
    expect(unknown).toEqual([]);
  });

  it('documents each code with its status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const row = new RegExp(`^\\| \`${code}\` \\| (\\d{3}|-) \\|`, 'm').exec(doc);
      expect(row, code).not.toBeNull();
      if (row![1] !== '-') expect(Number(row![1]), code).toBe(status);
    }
  });

  it('renders the error body shape', () => {
    expect(new SluiceError('not_found', 'No source x.').toBody()).toEqual({ error: { code: 'not_found', message: 'No source x.' } });
  });
});
