import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Stages talk only through queue/ and store/ (STYLE.md, like PostHog's ingestion boundary check): this test
 * reads every import of src/ and fails when a folder imports one it must not.
 */
const SRC = path.resolve(import.meta.dirname, '../src');

const FORBIDDEN: Record<string, readonly string[]> = {
  protocol: ['*'],
  core: ['ingest', 'processor', 'router', 'destinations', 'privacy', 'accounts', 'api', 'store', 'queue', 'http', 'runtime', 'cli', 'config', 'mail'],
  mail: ['ingest', 'processor', 'router', 'destinations', 'privacy', 'accounts', 'api', 'store', 'queue', 'http', 'runtime', 'cli'],
  ingest: ['processor', 'router', 'destinations'],
  processor: ['ingest', 'router', 'api', 'http'],
  router: ['ingest', 'processor', 'api', 'http'],
  store: ['ingest', 'processor', 'router', 'api', 'http'],
  queue: ['ingest', 'processor', 'router', 'api', 'http'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [full] : [];
  });
}

function topFolder(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] ?? '';
}

describe('stage boundaries', () => {
  it('no stage imports another stage directly', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = topFolder(file);
      const forbidden = FORBIDDEN[from];
      if (!forbidden) continue;
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        const to = topFolder(target);
        if (to === from || target.startsWith(path.join(SRC, from))) continue;
        if (forbidden.includes('*') || forbidden.includes(to)) violations.push(`${path.relative(SRC, file)} imports ${to}/ (${match[1]})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
