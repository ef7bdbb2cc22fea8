// bench/ingest: Sluice's Tracking API (embedded, built dist, every role in one process, durable group
// commit) against a no-storage Fastify server that only parses the same bodies, both loaded in the same run
// by autocannon running in a separate process. Prints events/s, p50/p99 and the ratios; targets are ratios
// because absolute figures drift on shared machines.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, ROOT } from '../support/ensure-built.js';
import { BATCH_EVENTS, batchBody, trackBody } from './bodies.js';
import { measureInboxCommit } from './inbox-commit.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = { batch: 16, track: 64 } as const;
const TARGETS = { batch: 0.35, track: 0.5, halfRateP99Ms: 25 } as const;

interface Server {
  url: string;
  pid: number;
  /** Further groups of the readiness pattern. */
  captured: string[];
  stop(): Promise<void>;
}

interface LoadResult {
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time the server spent per acknowledged event: whole process, and its main thread (Linux). */
  cpuUsPerEvent?: { process: number; main: number };
}

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by a process and by its main thread, from /proc (undefined where there is none). */
function cpuSeconds(pid: number): { process: number; main: number } | undefined {
  const read = (file: string) => {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  };
  try {
    return { process: read(`/proc/${pid}/stat`), main: read(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        resolve({
          url: match[1]!,
          pid: child.pid!,
          captured: match.slice(2),
          async stop() {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(timer);
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready:\n${output}`)));
  });
}

/** `roles` unset: what `npm start` runs (every role in one process). */
async function startSluice(dataDir: string, roles?: string): Promise<Server & { writeKey: string }> {
  const server = await startProcess([path.join(ROOT, 'bin', 'sluice.js'), 'start'], {
    ...(roles ? { SLUICE_ROLES: roles } : {}),
    PORT: '0',
    SLUICE_DATA_DIR: dataDir,
    SLUICE_ADMIN_TOKEN: 'bench-owner-token-0123456789abcdef',
    SLUICE_LOG_LEVEL: 'warn',
    // Measure ingest, not the refusal path: the processor drains behind the load.
    SLUICE_MAX_BACKLOG: '100000000',
  }, /Sluice is running: (http:\/\/\S+)[\s\S]*writeKey of the default source: (\S+)/);
  return { ...server, writeKey: server.captured[0]! };
}

/** Runs autocannon (its own process: the load generator never shares an event loop with a server). */
function load(server: Server, route: string, bodyFile: string, headers: Record<string, string>, connections: number, eventsPerRequest: number, overallRate?: number): LoadResult {
  const args = [path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-m', 'POST', '-i', bodyFile, '-c', String(connections), '-d', String(DURATION_S), '-j'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (overallRate) args.push('-R', String(Math.max(1, Math.round(overallRate))));
  args.push(`${server.url}${route}`);
  const cpuBefore = cpuSeconds(server.pid);
  const out = execFileSync(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const cpuAfter = cpuSeconds(server.pid);
  const result = JSON.parse(out) as { '2xx': number; non2xx: number; errors: number; duration: number; latency: { p50: number; p99: number } };
  const ok = result['2xx'];
  const events = ok * eventsPerRequest;
  return {
    requestsPerSecond: ok / result.duration,
    eventsPerSecond: events / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(cpuBefore && cpuAfter && events > 0
      ? { cpuUsPerEvent: { process: ((cpuAfter.process - cpuBefore.process) * 1e6) / events, main: ((cpuAfter.main - cpuBefore.main) * 1e6) / events } }
      : {}),
  };
}

function row(name: string, r: LoadResult): string {
  const cpu = r.cpuUsPerEvent ? `  cpu/event ${r.cpuUsPerEvent.process.toFixed(1).padStart(6)} us (main thread ${r.cpuUsPerEvent.main.toFixed(1)})` : '';
  return `${name.padEnd(34)} ${Math.round(r.eventsPerSecond).toString().padStart(9)} ev/s ${Math.round(r.requestsPerSecond).toString().padStart(7)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms${cpu}${r.non2xx || r.errors ? `  (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`;
}

function share(eventsPerSecond: number, commits: readonly { groupEvents: number; usPerEvent: number }[], groupEvents: number): string {
  const cost = commits.find((c) => c.groupEvents === groupEvents)?.usPerEvent ?? 0;
  return `${((eventsPerSecond * cost) / 10_000).toFixed(0)}%`;
}

export async function runIngestBench(): Promise<boolean> {
  ensureBuilt();
  const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const batchFile = path.join(work, 'batch.json');
  const trackFile = path.join(work, 'track.json');
  writeFileSync(batchFile, batchBody());
  writeFileSync(trackFile, trackBody());
  const results: Record<string, LoadResult> = {};
  try {
    // Both servers run side by side (the idle one costs next to nothing) and each Sluice run follows its
    // baseline run at once, so load from other work on a shared machine hits both alike.
    const baseline = await startProcess(['--import', 'tsx', path.join(ROOT, 'bench', 'ingest', 'baseline-server.ts')], {}, /listening (http:\/\/\S+)/);
    const json = { 'content-type': 'application/json' };
    const auth = (writeKey: string) => ({ 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
    try {
      const sluice = await startSluice(path.join(work, 'data'), process.env.SLUICE_ROLES);
      try {
        results.baselineBatch = load(baseline, '/v1/batch', batchFile, json, CONNECTIONS.batch, BATCH_EVENTS);
        results.sluiceBatch = load(sluice, '/v1/batch', batchFile, auth(sluice.writeKey), CONNECTIONS.batch, BATCH_EVENTS);
        results.baselineTrack = load(baseline, '/v1/track', trackFile, json, CONNECTIONS.track, 1);
        results.sluiceTrack = load(sluice, '/v1/track', trackFile, auth(sluice.writeKey), CONNECTIONS.track, 1);
        results.sluiceTrackHalf = load(sluice, '/v1/track', trackFile, auth(sluice.writeKey), CONNECTIONS.track, 1, results.sluiceTrack.requestsPerSecond / 2);
      } finally {
        await sluice.stop();
      }
      if (!process.env.SLUICE_ROLES) {
        // The collection path alone: the same Sluice with the processor and router roles off, so the events
        // stay durable in the inbox and no pipeline thread competes for the two cores.
        const ingestOnly = await startSluice(path.join(work, 'data-ingest'), 'ingest,api');
        try {
          results.ingestBatch = load(ingestOnly, '/v1/batch', batchFile, auth(ingestOnly.writeKey), CONNECTIONS.batch, BATCH_EVENTS);
          results.ingestTrack = load(ingestOnly, '/v1/track', trackFile, auth(ingestOnly.writeKey), CONNECTIONS.track, 1);
        } finally {
          await ingestOnly.stop();
        }
      }
    } finally {
      await baseline.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const commits = await measureInboxCommit();
  const r = results as Record<'baselineBatch' | 'baselineTrack' | 'sluiceBatch' | 'sluiceTrack' | 'sluiceTrackHalf', LoadResult>;
  const batchRatio = r.sluiceBatch.eventsPerSecond / r.baselineBatch.eventsPerSecond;
  const trackRatio = r.sluiceTrack.eventsPerSecond / r.baselineTrack.eventsPerSecond;
  const lines = [
    '',
    `bench/ingest  ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}  load avg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    `Sluice: ${process.env.SLUICE_ROLES ? `roles ${process.env.SLUICE_ROLES}` : 'every role in one process (npm start)'}, inbox writer ${process.env.SLUICE_INBOX_WRITER || 'main'}; autocannon ${DURATION_S}s per run; /v1/batch: ${BATCH_EVENTS} events (~${Math.round(batchBody().length / BATCH_EVENTS)} B each), ${CONNECTIONS.batch} connections; /v1/track: ${trackBody().length} B, ${CONNECTIONS.track} connections`,
    row('no-storage  /v1/batch', r.baselineBatch),
    row('Sluice      /v1/batch', r.sluiceBatch),
    row('no-storage  /v1/track', r.baselineTrack),
    row('Sluice      /v1/track', r.sluiceTrack),
    row(`Sluice      /v1/track @ ${Math.round(r.sluiceTrackHalf.requestsPerSecond)} req/s`, r.sluiceTrackHalf),
    ...(results.ingestBatch && results.ingestTrack
      ? [
          row('ingest role /v1/batch', results.ingestBatch),
          row('ingest role /v1/track', results.ingestTrack),
          `  (ingest role alone: ratio /v1/batch ${(results.ingestBatch.eventsPerSecond / r.baselineBatch.eventsPerSecond).toFixed(2)}, /v1/track ${(results.ingestTrack.eventsPerSecond / r.baselineTrack.eventsPerSecond).toFixed(2)})`,
        ]
      : []),
    '',
    `ratio /v1/batch  ${batchRatio.toFixed(2)}  (target >= ${TARGETS.batch})  ${batchRatio >= TARGETS.batch ? 'OK' : 'BELOW TARGET'}`,
    `ratio /v1/track  ${trackRatio.toFixed(2)}  (target >= ${TARGETS.track})  ${trackRatio >= TARGETS.track ? 'OK' : 'BELOW TARGET'}`,
    `p99 /v1/track at half rate  ${r.sluiceTrackHalf.p99} ms  (target < ${TARGETS.halfRateP99Ms} ms)  ${r.sluiceTrackHalf.p99 < TARGETS.halfRateP99Ms ? 'OK' : 'ABOVE TARGET'}`,
    ...(r.baselineBatch.cpuUsPerEvent && r.sluiceBatch.cpuUsPerEvent
      ? [
          '',
          'CPU per acknowledged event (steadier than events/s on a shared machine; the baseline does only the parsing):',
          `  /v1/batch: baseline ${r.baselineBatch.cpuUsPerEvent.process.toFixed(1)} us, Sluice ${r.sluiceBatch.cpuUsPerEvent.process.toFixed(1)} us (main thread ${r.sluiceBatch.cpuUsPerEvent.main.toFixed(1)} us)${results.ingestBatch?.cpuUsPerEvent ? `, ingest role ${results.ingestBatch.cpuUsPerEvent.process.toFixed(1)} us` : ''}: baseline/Sluice ${(r.baselineBatch.cpuUsPerEvent.process / r.sluiceBatch.cpuUsPerEvent.process).toFixed(2)}`,
          ...(r.baselineTrack.cpuUsPerEvent && r.sluiceTrack.cpuUsPerEvent
            ? [`  /v1/track: baseline ${r.baselineTrack.cpuUsPerEvent.process.toFixed(1)} us, Sluice ${r.sluiceTrack.cpuUsPerEvent.process.toFixed(1)} us (main thread ${r.sluiceTrack.cpuUsPerEvent.main.toFixed(1)} us)${results.ingestTrack?.cpuUsPerEvent ? `, ingest role ${results.ingestTrack.cpuUsPerEvent.process.toFixed(1)} us` : ''}: baseline/Sluice ${(r.baselineTrack.cpuUsPerEvent.process / r.sluiceTrack.cpuUsPerEvent.process).toFixed(2)}`]
            : []),
        ]
      : []),
    '',
    'inbox group commit on the thread that runs it (transaction + fsync, synchronous=FULL):',
    ...commits.map((c) => `  ${String(c.groupEvents).padStart(5)} events/commit: ${c.msPerCommit.toFixed(2).padStart(7)} ms per commit, ${c.usPerEvent.toFixed(1).padStart(7)} us per event`),
    `  => the main thread is blocked about ${share(r.sluiceBatch.eventsPerSecond, commits, 1000)} of each second at the /v1/batch rate (groups ~1000 events) and ${share(r.sluiceTrack.eventsPerSecond, commits, 10)} at the /v1/track rate (groups ~10)`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const failures = Object.values(results).filter((x) => x.non2xx > 0 || x.errors > 0);
  if (failures.length > 0) process.stdout.write('WARNING: some requests failed (see non-2xx/errors above); the figures count only 2xx.\n');
  return batchRatio >= TARGETS.batch && trackRatio >= TARGETS.track && r.sluiceTrackHalf.p99 < TARGETS.halfRateP99Ms;
}
