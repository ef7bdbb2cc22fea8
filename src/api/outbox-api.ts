import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { roleHas } from '../accounts/permissions.js';
import { DevelopmentOutbox, type OutboxEntry } from '../mail/development-outbox.js';
import type { Mailer } from '../mail/mailer.js';
import { DEFAULT_WORKSPACE_ID } from '../core/workspace.js';
import { principalOf } from './principal.js';

const OutboxMessage = Type.Object({
  id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Optional(Type.String()),
  sentAt: Type.String(),
});

function entryView(e: OutboxEntry) {
  return { id: e.id, from: e.from, to: e.to, subject: e.subject, text: e.text, ...(e.html !== undefined && { html: e.html }), sentAt: new Date(e.sentAt).toISOString() };
}

/**
 * The development outbox: with no SMTP server configured, the emails Sluice would have sent (invitations,
 * password resets, ...) are kept here for the workspace's owners and admins. With SMTP configured the list is
 * empty and `mode` is `smtp`.
 */
export const outboxApi: FastifyPluginAsyncTypebox<{ mailer: Mailer }> = async (app, { mailer }) => {
  app.get('/outbox', {
    config: { permission: 'outbox:read' },
    schema: {
      tags: ['mail'],
      summary: 'Emails kept by the development outbox (no SMTP configured), newest first; empty in smtp mode',
      response: { 200: Type.Object({ mode: Type.Union([Type.Literal('smtp'), Type.Literal('development')]), messages: Type.Array(OutboxMessage) }) },
    },
  }, async (request) => {
    const principal = principalOf(request);
    if (!(mailer instanceof DevelopmentOutbox)) return { mode: mailer.mode, messages: [] };
    const mine = mailer.list({ workspaceId: principal.workspaceId });
    // Messages about no workspace (installation-wide) are shown to the installation's owners only.
    const installationOwner = principal.workspaceId === DEFAULT_WORKSPACE_ID && roleHas(principal.role, 'installation:admin');
    const installation = installationOwner ? mailer.list({ workspaceId: null }) : [];
    const messages = [...mine, ...installation].sort((a, b) => b.sentAt - a.sentAt).map(entryView);
    return { mode: mailer.mode, messages };
  });
};
