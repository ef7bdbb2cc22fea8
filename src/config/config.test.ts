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

  it('refuses a SLUICE_ALLOW_PRIVATE_DESTINATIONS CIDR whose prefix is longer than its address, naming the entry', () => {
    expect(configError({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1, 10.0.0.0/33' })).toBe(
      'SLUICE_ALLOW_PRIVATE_DESTINATIONS entry "10.0.0.0/33" is not a CIDR: an IPv4 prefix length is 0 to 32.',
    );
    expect(configError({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: 'fd00::/200' })).toBe('SLUICE_ALLOW_PRIVATE_DESTINATIONS entry "fd00::/200" is not a CIDR: an IPv6 prefix length is 0 to 128.');
    expect(loadConfig({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '10.0.0.0/32,fd00::/128,sink.internal' }).allowPrivateDestinations).toEqual(['10.0.0.0/32', 'fd00::/128', 'sink.internal']);
  });

  it('names SLUICE_ROLES when a role is unknown, and drops a repeated role', () => {
    expect(configError({ SLUICE_ROLES: 'ingest,procesor' })).toBe('SLUICE_ROLES (or sluice start --role) "ingest,procesor": unknown role "procesor": expected a comma-separated list of ingest, processor, router, jobs, api, or all.');
    expect(loadConfig({ SLUICE_ROLES: 'ingest,api,ingest' }).roles).toEqual(['ingest', 'api']);
  });

  it('refuses a process with only some roles on PostgreSQL without SLUICE_QUEUE_URL, whose embedded queues no other process would read', () => {
    const scale = { SLUICE_DATABASE_URL: 'postgres://sluice@db.internal/sluice', SLUICE_SECRET_KEY: 'config-test-secret-key-0123456789abcdef', SLUICE_DATA_DIR: '/srv/sluice' };
    expect(configError({ ...scale, SLUICE_ROLES: 'ingest' })).toBe(
      'SLUICE_DATABASE_URL is set but SLUICE_QUEUE_URL is not, and this process runs only the roles ingest: its queues would be a file in its own data directory (/srv/sluice) that no other process reads, so events it accepted would never be processed, nor delivery jobs delivered. Set SLUICE_QUEUE_URL (and SLUICE_QUEUE_PREFIX) to the NATS JetStream the installation\'s other processes use, or run every role in this one process (SLUICE_ROLES=all).',
    );
    expect(configError({ ...scale, SLUICE_ROLES: 'processor,router,jobs,api' })).toContain('runs only the roles processor, router, jobs, api');
    // Every role in one process, or NATS named: the queues are shared, or nobody else needs them.
    expect(loadConfig(scale).roles).toHaveLength(5);
    expect(loadConfig({ ...scale, SLUICE_ROLES: 'ingest', SLUICE_QUEUE_URL: 'nats://127.0.0.1:4222' }).roles).toEqual(['ingest']);
    // Embedded store and queues: one data dir, roles may be split over time on it (as before).
    expect(loadConfig({ SLUICE_ROLES: 'ingest,api' }).roles).toEqual(['ingest', 'api']);
  });

  it('warns about SLUICE_* variables it does not read, suggesting the likely name', () => {
    expect(unknownVariables({ SLUICE_DATABSE_URL: 'postgres://x', SLUICE_DATA_DIR: '/d', SLUICE_TEST_DATABASE_URL: 'postgres://t', PATH: '/bin', SLUICE_COLOUR: 'blue' })).toEqual([
      'SLUICE_COLOUR is set but is not a Sluice setting, so it changes nothing (README, "Configuration", lists them).',
      'SLUICE_DATABSE_URL is set but is not a Sluice setting, so it changes nothing: did you mean SLUICE_DATABASE_URL?',
    ]);
    expect(unknownVariables({ SLUICE_DATA_DIR: '/d', SLUICE_LOG_LEVEL: 'warn' })).toEqual([]);
  });
});
