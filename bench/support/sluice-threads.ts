import { readdirSync, readFileSync } from 'node:fs';
import { CHECKPOINTER_THREAD_NICE, PIPELINE_THREAD_NICE } from '../../src/runtime/thread-priority.js';

/** Clock ticks per second of /proc's CPU counters (USER_HZ on Linux). */
export const TICKS_PER_SECOND = 100;

/**
 * The fields of a /proc stat file from the 3rd (state) on, and the command name in its parentheses; undefined
 * when the thread or process ended meanwhile.
 */
export function procStat(file: string): { command: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** A thread's counters so far. */
export interface ThreadTimes {
  /** CPU seconds, user + system. */
  readonly cpuSeconds: number;
  /** Bytes it caused to be written to disk (`write_bytes` of its io file); 0 unless asked for. */
  readonly writtenBytes: number;
  readonly nice: number;
  readonly startTicks: number;
}

/** Every thread of process `pid` (this one by default), by thread id; `io`: read what each wrote to disk too. */
export function threadTimes(pid: number = process.pid, options: { io?: boolean } = {}): Map<string, ThreadTimes> {
  const times = new Map<string, ThreadTimes>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const fields = procStat(`/proc/${pid}/task/${tid}/stat`)?.fields;
    if (!fields) continue;
    let writtenBytes = 0;
    if (options.io) {
      try {
        writtenBytes = Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/io`, 'utf8'))?.[1] ?? 0);
      } catch {
        // The thread ended meanwhile.
      }
    }
    times.set(tid, { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, writtenBytes, nice: Number(fields[16]), startTicks: Number(fields[19]) });
  }
  return times;
}

/** What each thread used between two snapshots (threads started meanwhile from zero). */
export function usedBetween(before: ReadonlyMap<string, ThreadTimes>, after: ReadonlyMap<string, ThreadTimes>): Map<string, ThreadTimes> {
  return new Map(
    [...after].map(([tid, t]) => [tid, { ...t, cpuSeconds: t.cpuSeconds - (before.get(tid)?.cpuSeconds ?? 0), writtenBytes: t.writtenBytes - (before.get(tid)?.writtenBytes ?? 0) }]),
  );
}

export const THREAD_ROLES = ['requestThread', 'processor', 'router', 'checkpointer', 'otherThreads'] as const;
export type ThreadRole = (typeof THREAD_ROLES)[number];

/**
 * Which of Sluice's threads each one is, from what the threads of process `pid` used over a span in which the
 * pipeline worked (`used`, from {@link usedBetween}): the main thread answers the Tracking API; the two threads at the
 * pipeline's nice value that did work are the processor (started first) and the router; the checkpointer runs at
 * its own nice value; the rest are V8's and libuv's helpers. Throws unless at least two pipeline threads worked
 * (not Linux, or the roles changed).
 */
export function threadRoles(pid: number, used: ReadonlyMap<string, ThreadTimes>): (tid: string) => ThreadRole {
  // The two busiest: under `node --cpu-prof` each worker's sampling thread runs at the worker's nice value too.
  const pipeline = [...used]
    .filter(([, t]) => t.nice === PIPELINE_THREAD_NICE && t.cpuSeconds > 0.05)
    .sort(([, x], [, y]) => y.cpuSeconds - x.cpuSeconds)
    .slice(0, 2)
    .sort(([a, x], [b, y]) => x.startTicks - y.startTicks || Number(a) - Number(b))
    .map(([tid]) => tid);
  if (pipeline.length !== 2) throw new Error(`expected two pipeline threads at nice ${PIPELINE_THREAD_NICE} that worked, found ${pipeline.length} (is this Linux?)`);
  return (tid) =>
    Number(tid) === pid ? 'requestThread' : tid === pipeline[0] ? 'processor' : tid === pipeline[1] ? 'router' : used.get(tid)?.nice === CHECKPOINTER_THREAD_NICE ? 'checkpointer' : 'otherThreads';
}

/** `field` summed per role over what the threads used between two snapshots. */
export function byRole(before: ReadonlyMap<string, ThreadTimes>, after: ReadonlyMap<string, ThreadTimes>, role: (tid: string) => ThreadRole, field: 'cpuSeconds' | 'writtenBytes'): Record<ThreadRole, number> {
  const sums = Object.fromEntries(THREAD_ROLES.map((r) => [r, 0])) as Record<ThreadRole, number>;
  for (const [tid, t] of usedBetween(before, after)) sums[role(tid)] += t[field];
  return sums;
}
