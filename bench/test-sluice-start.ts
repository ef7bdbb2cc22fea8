/**
 * `node --import tsx bench/test-sluice-start.ts [N]`: CPU and wall time of starting (and stopping) the test suite's
 * Sluice N times in one process (test/support/start-test-sluice.ts), as a test file does in its beforeAll. The first
 * start pays module loading and is reported apart. Add `--cpu-prof` to node for a profile of the main thread.
 */
import { performance } from 'node:perf_hooks';
import { startTestSluice } from '../test/support/start-test-sluice.js';

const runs = Number(process.argv[2] ?? 6);
const rows: { cpuMs: number; wallMs: number; stopCpuMs: number }[] = [];
for (let i = 0; i < runs; i++) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const sluice = await startTestSluice();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const stopCpu = process.cpuUsage();
  await sluice.stop();
  const stopped = process.cpuUsage(stopCpu);
  rows.push({ cpuMs: (used.user + used.system) / 1000, wallMs, stopCpuMs: (stopped.user + stopped.system) / 1000 });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [first, ...rest] = rows;
console.log(`first start: ${first!.cpuMs.toFixed(0)} ms CPU, ${first!.wallMs.toFixed(0)} ms wall`);
if (rest.length > 0) {
  console.log(`later starts (median of ${rest.length}): ${median(rest.map((r) => r.cpuMs)).toFixed(0)} ms CPU, ${median(rest.map((r) => r.wallMs)).toFixed(0)} ms wall; stop ${median(rest.map((r) => r.stopCpuMs)).toFixed(0)} ms CPU`);
  console.log(`each: ${rest.map((r) => `${r.cpuMs.toFixed(0)}/${r.wallMs.toFixed(0)}`).join(' ')} (CPU/wall ms)`);
}
