import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Logger } from 'pino';
import { ROLES, type Role } from '../config/config.js';
import type { ProcessBeat, ProcessRepository } from '../store/process-repository.js';
import { WakeableLoop } from './wakeable-loop.js';

/** How often a process notes itself. */
export const HEARTBEAT_MS = 30_000;
/** A process not seen for this long is taken for gone (three beats missed). */
export const PROCESS_GONE_MS = 3 * HEARTBEAT_MS + 5_000;
/** Rows of processes that died without removing themselves are deleted after a day. */
const FORGET_AFTER_MS = 24 * 3600_000;

/** What stops when no process runs a role: said by the API and shown by the console's overview. */
export const ROLE_WORK: Record<Role, string> = {
  ingest: 'the Tracking API: events sent to this installation are not accepted',
  processor: 'processing: accepted events wait in the inbox, and are not stored, put in profiles or delivered',
  router: 'delivery: processed events wait in their destinations\' queues',
  jobs: 'background work: privacy requests are not carried out (their legal deadlines still run), replays wait, retention does not delete, alerts are not sent',
  api: 'the admin API and the console',
};

/** The roles judged missing or running: whoever asks (the API, the role alerts) is an api process, so not the api role. */
export const WATCHED_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'api');

/** When a process with each role was last seen, among `processes` (a role none of them has is absent). */
export function roleLastSeen(processes: readonly ProcessBeat[]): Map<Role, number> {
  const lastSeen = new Map<Role, number>();
  for (const p of processes) for (const role of p.roles) lastSeen.set(role, Math.max(lastSeen.get(role) ?? 0, p.seenAt));
  return lastSeen;
}

/** Those of `roles` (the watched roles by default) that no process seen in the last {@link PROCESS_GONE_MS} before `now` runs. */
export function missingRoles(processes: readonly ProcessBeat[], now: number, roles: readonly Role[] = WATCHED_ROLES): Role[] {
  const lastSeen = roleLastSeen(processes);
  return roles.filter((role) => (lastSeen.get(role) ?? -Infinity) < now - PROCESS_GONE_MS);
}

/** Sluice's version, from its package.json (two folders up from src/runtime and from dist/runtime). */
function sluiceVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Notes this process and its roles in the store every {@link HEARTBEAT_MS} (`process_heartbeats`), and removes the note
 * when it stops, so the API can say which roles run anywhere in the installation: in a split deployment a role that no
 * process runs stops its work silently (no jobs process: privacy requests are not carried out, retention does not
 * prune, alerts are not sent). Each beat also forgets processes not seen for a day.
 */
export class ProcessHeartbeat extends WakeableLoop {
  private readonly beat: Omit<ProcessBeat, 'seenAt'>;

  constructor(
    private readonly processes: ProcessRepository,
    roles: readonly Role[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super({ pollMs: HEARTBEAT_MS, onError: (error) => logger.warn({ err: error }, 'could not note this process in the store; trying again in 30 s') });
    this.beat = { id: `proc_${randomUUID().replace(/-/g, '')}`, roles: ROLES.filter((r) => roles.includes(r)), host: os.hostname(), pid: process.pid, version: sluiceVersion(), startedAt: this.now() };
  }

  get id(): string {
    return this.beat.id;
  }

  protected async step(): Promise<boolean> {
    const now = this.now();
    await this.processes.beat({ ...this.beat, seenAt: now });
    await this.processes.prune(now - FORGET_AFTER_MS);
    return false;
  }

  /** Stops beating and removes this process's note (a process that dies ages out instead). */
  override async stop(): Promise<void> {
    await super.stop();
    await this.processes.remove(this.beat.id).catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove this process from the store; it ages out'));
  }
}
