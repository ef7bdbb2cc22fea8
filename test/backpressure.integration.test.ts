import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startSluice, type Sluice } from '../src/main.js';
import { eventually, TEST_ADMIN_TOKEN } from './support/start-test-sluice.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-backpressure-'));
const started: Sluice[] = [];

afterAll(async () => {
  for (const s of started) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>): Promise<Sluice> {
  const config = loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'warn', ...env });
  return startSluice(config).then((s) => {
    started.push(s);
    return s;
  });
}

describe('backpressure', () => {
  it('answers 503 with Retry-After once the unprocessed backlog passes SLUICE_MAX_BACKLOG, and keeps nothing of a refused request', async () => {
    // No processor role: nothing drains the inbox, so the backlog only grows.
    const ingestOnly = await start({ SLUICE_ROLES: 'ingest,api', SLUICE_MAX_BACKLOG: '5' });
    const writeKey = ingestOnly.bootstrap.defaultWriteKey!;
    const send = (messageIds: string[]) =>
      fetch(`${ingestOnly.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ batch: messageIds.map((messageId) => ({ type: 'track', userId: 'bp-user', event: 'Queued', messageId })) }),
      });

    const accepted = Array.from({ length: 8 }, (_, i) => `bp-accepted-${i}`);
    expect((await send(accepted)).status).toBe(200);

    // The backlog is sampled; once the sample shows 8 > 5 every new request is refused.
    const refusedIds: string[] = [];
    let attempt = 0;
    const refusal = await eventually(async () => {
      attempt++;
      const ids = [`bp-late-${attempt}-a`, `bp-late-${attempt}-b`];
      const response = await send(ids);
      if (response.status === 200) {
        accepted.push(...ids);
        return undefined;
      }
      refusedIds.push(...ids);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { error: { code: string; message: string } } };
    });
    expect(refusal.status).toBe(503);
    expect(Number(refusal.retryAfter)).toBeGreaterThan(0);
    expect(refusal.body.error.code).toBe('backlog_full');
    expect(refusal.body.error.message).toMatch(/limit 5/);

    const metrics = await (await fetch(`${ingestOnly.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).text();
    expect(metrics).toMatch(/sluice_requests_rejected_total\{code="backlog_full"\} [1-9]/);
    expect(metrics).toMatch(/sluice_inbox_backlog \d+/);
    await ingestOnly.close();

    // Restarted with every role on the same data dir: the accepted events are processed, the refused never.
    const full = await start({});
    const stored = await eventually(async () => {
      const found = await full.store.events.query({ workspaceId: full.bootstrap.workspaceId, userId: 'bp-user', limit: 1000 });
      return found.length >= accepted.length ? found : undefined;
    });
    const storedIds = stored.map((s) => s.event.messageId).sort();
    expect(storedIds).toEqual([...accepted].sort());
    for (const id of refusedIds) expect(storedIds).not.toContain(id);
  }, 120_000);
});
