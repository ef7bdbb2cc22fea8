import { describe, expect, it } from 'vitest';
import { loadConfig, unknownVariables } from './config.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('configuration from the environment', () => {
  it('refuses a SLUICE_PUBLIC_URL that is not an absolute http(s) URL, naming the variable', () => {
    for (const bad of ['sluice.example.com', 'ftp://sluice.example.com', 'https://', 'https://sluice.example.com/?x=1', 'https://u:p@sluice.example.com']) {
      expect(configError({ SLUICE_PUBLIC_URL: bad }), bad).toBe(
        `SLUICE_PUBLIC_URL="${bad}" is not valid: use the absolute http(s) URL people and browsers reach Sluice at, e.g. https://sluice.example.com (no query, fragment or credentials).`,
      );
    }
    expect(loadConfig({ SLUICE_PUBLIC_URL: 'https://cdp.example.com/sluice/' }).publicUrl).toBe('https://cdp.example.com/sluice');
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBe('http://127.0.0.1:9000');
  });

  it('reads integers as plain decimal digits only: blank is unset, and a hex or exponent form is refused with the range', () => {
    expect(loadConfig({ PORT: ' ' }).port).toBe(8080); // not port 0 (a random port), as Number(' ') would give
    expect(loadConfig({ PORT: ' 9000 ' }).port).toBe(9000);
    for (const bad of ['0x1F90', '8e3', '80.5', 'eighty']) expect(configError({ PORT: bad }), bad).toBe(`PORT=${bad} is not valid: expected an integer from 0 to 65535.`);
  });

  it('names SLUICE_ROLES when a role is unknown, and drops a repeated role', () => {
    expect(configError({ SLUICE_ROLES: 'ingest,procesor' })).toBe('SLUICE_ROLES (or sluice start --role) "ingest,procesor": unknown role "procesor": expected a comma-separated list of ingest, processor, router, jobs, api, or all.');
    expect(loadConfig({ SLUICE_ROLES: 'ingest,api,ingest' }).roles).toEqual(['ingest', 'api']);
  });

  it('warns about SLUICE_* variables it does not read, suggesting the likely name', () => {
    expect(unknownVariables({ SLUICE_DATABSE_URL: 'postgres://x', SLUICE_DATA_DIR: '/d', SLUICE_TEST_DATABASE_URL: 'postgres://t', PATH: '/bin', SLUICE_COLOUR: 'blue' })).toEqual([
      'SLUICE_COLOUR is set but is not a Sluice setting, so it changes nothing (README, "Configuration", lists them).',
      'SLUICE_DATABSE_URL is set but is not a Sluice setting, so it changes nothing: did you mean SLUICE_DATABASE_URL?',
    ]);
    expect(unknownVariables({ SLUICE_DATA_DIR: '/d', SLUICE_LOG_LEVEL: 'warn' })).toEqual([]);
  });
});
