import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import { DEFAULT_WORKSPACE_ID, type Workspace } from '../core/workspace.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';

const WorkspaceSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });
const view = (w: Workspace) => ({ id: w.id, name: w.name, createdAt: new Date(w.createdAt).toISOString() });

/**
 * Workspaces. Owners of the installation's home workspace (`ws_default`) create and list every workspace;
 * everyone reads their own.
 */
export const workspacesApi: FastifyPluginAsyncTypebox<{ store: Store; audit: AuditLog }> = async (app, { store, audit }) => {
  const installationOwner = (workspaceId: string) => {
    if (workspaceId !== DEFAULT_WORKSPACE_ID) throw new SluiceError('forbidden', `Only owners of the installation's home workspace (${DEFAULT_WORKSPACE_ID}) manage workspaces.`);
  };

  app.get('/workspace', {
    config: { permission: 'workspace:read' },
    schema: { tags: ['workspaces'], summary: 'Your workspace', response: { 200: WorkspaceSchema } },
  }, async (request) => {
    const workspace = await store.workspaces.get(principalOf(request).workspaceId);
    if (!workspace) throw new SluiceError('not_found', 'Your workspace no longer exists.');
    return view(workspace);
  });

  app.get('/workspaces', {
    config: { permission: 'installation:admin' },
    schema: { tags: ['workspaces'], summary: 'Every workspace of this installation', response: { 200: Type.Object({ workspaces: Type.Array(WorkspaceSchema) }) } },
  }, async (request) => {
    installationOwner(principalOf(request).workspaceId);
    return { workspaces: (await store.workspaces.list()).map(view) };
  });

  app.post('/workspaces', {
    config: { permission: 'installation:admin' },
    schema: {
      tags: ['workspaces'],
      summary: "Create a workspace with its own data; answers its owner API token (shown once)",
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ workspace: WorkspaceSchema, ownerToken: Type.String() }) },
    },
  }, async (request, reply) => {
    installationOwner(principalOf(request).workspaceId);
    const workspace = await store.workspaces.create({ name: request.body.name });
    const secret = `sl_${randomToken(40)}`;
    const token = await store.tokens.create({ workspaceId: workspace.id, name: 'Owner token', secret, role: 'owner' });
    const context = auditContext(request);
    await audit.record({ ...context, action: 'workspace.create', resourceType: 'workspace', resourceId: workspace.id, resourceName: workspace.name });
    await audit.record({ ...context, workspaceId: workspace.id, action: 'workspace.create', resourceType: 'workspace', resourceId: workspace.id, resourceName: workspace.name, after: { ownerTokenId: token.id } });
    return reply.code(201).send({ workspace: view(workspace), ownerToken: secret });
  });
};
