import type { Role } from '../config/config.js';

/** A running `sluice start` process as it last noted itself (src/runtime/process-heartbeat.ts). */
export interface ProcessBeat {
  /** Random per start. */
  readonly id: string;
  readonly roles: readonly Role[];
  readonly host: string;
  readonly pid: number;
  /** Sluice's version (package.json). */
  readonly version: string;
  readonly startedAt: number;
  /** When it last noted itself (epoch ms). */
  readonly seenAt: number;
}

/** The processes of the installation: noted by each one every few seconds, removed when it stops. */
export interface ProcessRepository {
  /** Notes (or notes again) a process. */
  beat(beat: ProcessBeat): Promise<void>;
  /** Processes seen at or after `since`, newest start first. */
  seenSince(since: number): Promise<ProcessBeat[]>;
  /** Removes a process that stopped. */
  remove(id: string): Promise<void>;
  /** Removes processes not seen since `before` (died without removing themselves); how many. */
  prune(before: number): Promise<number>;
}
