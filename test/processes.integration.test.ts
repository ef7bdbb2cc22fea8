import { afterEach, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import pino from 'pino';
import { ProcessHeartbeat } from '../src/runtime/process-heartbeat.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/** Which processes run, and which roles none does: a real Sluice noting itself in its store. */
let sluice: TestSluice | undefined;
afterEach(async () => {
  await sluice?.stop();
  sluice = undefined;
});

interface ProcessesAnswer {
  processes: { id: string; roles: string[]; pid: number; version: string; startedAt: string; seenAt: string }[];
  missingRoles: { role: string; stopped: string }[];
}

describe('running processes and missing roles', () => {
  it('lists the one embedded process with every role, and no role missing', async () => {
    sluice = await startTestSluice();
    const answer = (await ownerApi(sluice)('GET', '/processes')).body as unknown as ProcessesAnswer;
    expect(answer.missingRoles).toEqual([]);
    expect(answer.processes).toEqual([expect.objectContaining({ roles: ['ingest', 'processor', 'router', 'jobs', 'api'], pid: process.pid, version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string })]);
    expect(Date.parse(answer.processes[0]!.seenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('names the roles no process runs and what stops without them, and forgets processes that stopped or died', async () => {
    sluice = await startTestSluice({ SLUICE_ROLES: 'ingest,api' });
    const api = ownerApi(sluice);
    const answer = (await api('GET', '/processes')).body as unknown as ProcessesAnswer;
    expect(answer.missingRoles.map((m) => m.role)).toEqual(['processor', 'router', 'jobs']);
    expect(answer.missingRoles.find((m) => m.role === 'jobs')!.stopped).toContain('privacy requests are not carried out');
    expect(answer.processes.map((p) => p.roles)).toEqual([['ingest', 'api']]);

    // Another process, a jobs one, noting itself: the role is running again. One that stopped beating 2 minutes ago is not.
    const now = Date.now();
    await sluice.store.processes.beat({ id: 'proc_jobs', roles: ['jobs', 'router'], host: 'worker-1', pid: 42, version: '0.1.0', startedAt: now - 60_000, seenAt: now });
    await sluice.store.processes.beat({ id: 'proc_dead', roles: ['processor'], host: 'worker-2', pid: 43, version: '0.1.0', startedAt: now - 600_000, seenAt: now - 120_000 });
    const after = (await api('GET', '/processes')).body as unknown as ProcessesAnswer;
    expect(after.missingRoles.map((m) => m.role)).toEqual(['processor']);
    expect(after.processes.map((p) => p.id)).toContain('proc_jobs');
    expect(after.processes.map((p) => p.id)).not.toContain('proc_dead');
    // Stopped: removed; died: pruned after a day.
    await sluice.store.processes.remove('proc_jobs');
    expect((await sluice.store.processes.seenSince(0)).map((p) => p.id)).not.toContain('proc_jobs');
    expect(await sluice.store.processes.prune(now - 60_000)).toBe(1);
    expect((await sluice.store.processes.seenSince(0)).map((p) => p.id)).not.toContain('proc_dead');
    // Any member may read it; without a token, nobody.
    expect((await fetch(`${sluice.url}/api/v1/processes`)).status).toBe(401);
  });

  it('lists the episodes of roles missing, newest first, with how each ended', async () => {
    // Without a router here, this Sluice's own role check (api role, alerts on) leaves the open router episode open.
    sluice = await startTestSluice({ SLUICE_ROLES: 'ingest,api' });
    const api = ownerApi(sluice);
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000; // within the 90 days ended episodes are kept
    const iso = (ms: number) => new Date(ms).toISOString();
    await sluice.store.roleAlerts.open({ id: 'ralert_old', role: 'jobs', missingSince: t0, openedAt: t0 + 300_000 });
    await sluice.store.roleAlerts.resolve('jobs', t0 + 900_000, 'running');
    await sluice.store.roleAlerts.open({ id: 'ralert_new', role: 'router', missingSince: t0 + 1_000_000, openedAt: t0 + 1_300_000 });
    const all = await api('GET', '/role-alerts');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      alerts: [
        { id: 'ralert_new', role: 'router', status: 'open', missingSince: iso(t0 + 1_000_000), openedAt: iso(t0 + 1_300_000), resolvedAt: null, resolution: null, webhookPosts: [] },
        { id: 'ralert_old', role: 'jobs', status: 'resolved', missingSince: iso(t0), openedAt: iso(t0 + 300_000), resolvedAt: iso(t0 + 900_000), resolution: 'running', webhookPosts: [] },
      ],
    });
    expect(((await api('GET', '/role-alerts?status=open')).body as { alerts: { id: string }[] }).alerts.map((a) => a.id)).toEqual(['ralert_new']);
    expect(((await api('GET', '/role-alerts?limit=1')).body as { alerts: { id: string }[] }).alerts.map((a) => a.id)).toEqual(['ralert_new']);
    const bad = await api('GET', '/role-alerts?status=closed');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('status');
    expect((await fetch(`${sluice.url}/api/v1/role-alerts`)).status).toBe(401);
  });

  it('a heartbeat notes its process at once and removes the note when it stops', async () => {
    sluice = await startTestSluice();
    const heartbeat = new ProcessHeartbeat(sluice.store.processes, ['jobs'], pino({ level: 'silent' }));
    heartbeat.start();
    await eventually(async () => ((await sluice!.store.processes.seenSince(0)).some((p) => p.id === heartbeat.id) ? true : undefined));
    await heartbeat.stop();
    expect((await sluice.store.processes.seenSince(0)).map((p) => p.id)).not.toContain(heartbeat.id);
    expect(await sluice.store.processes.seenSince(0)).toHaveLength(1); // Sluice's own
  });
});
