import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '../config/config.js';
import { missingRoles, PROCESS_GONE_MS, ROLE_WORK } from '../runtime/process-heartbeat.js';
import type { Store } from '../store/store.js';

const iso = (ms: number) => new Date(ms).toISOString();

const Process = Type.Object({
  id: Type.String(),
  roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r)))),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  seenAt: Type.String({ format: 'date-time', description: 'when it last noted itself (every 30 s)' }),
});

/**
 * The installation's running processes (src/runtime/process-heartbeat.ts) and the roles no process runs. Any member may
 * read it (metrics:read): a privacy team needs to know that nobody carries out its requests as much as an admin.
 */
export const processesApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/processes', {
    config: { permission: 'metrics:read' },
    schema: {
      tags: ['installation'],
      summary: 'The running Sluice processes with their roles, and the roles no process runs (the work that is then stopped)',
      response: {
        200: Type.Object({
          processes: Type.Array(Process, { description: 'processes seen in the last 95 s, newest start first' }),
          missingRoles: Type.Array(
            Type.Object({ role: Type.Union(ROLES.map((r) => Type.Literal(r))), stopped: Type.String({ description: 'what does not happen while no process runs it' }) }),
            { description: 'roles no running process has; empty when every role runs somewhere' },
          ),
        }),
      },
    },
  }, async () => {
    const now = Date.now();
    const processes = await store.processes.seenSince(now - PROCESS_GONE_MS);
    return {
      processes: processes.map((p) => ({ id: p.id, roles: [...p.roles], host: p.host, pid: p.pid, version: p.version, startedAt: iso(p.startedAt), seenAt: iso(p.seenAt) })),
      missingRoles: missingRoles(processes, now).map((role) => ({ role, stopped: ROLE_WORK[role] })),
    };
  });
};
