import type { FastifyInstance } from 'fastify';
import { AccountService } from '../accounts/account-service.js';
import { AuditLog } from '../accounts/audit-log.js';
import { TwoFactorService } from '../accounts/two-factor.js';
import type { Keys } from '../core/crypto/keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { installApiAuth } from './api-auth.js';
import { auditLogApi } from './audit-log-api.js';
import { authApi } from './auth-api.js';
import { installBodylessPost } from './bodyless-post.js';
import { meApi } from './me-api.js';
import { meSessionsApi } from './me-sessions-api.js';
import { membersApi } from './members-api.js';
import { outboxApi } from './outbox-api.js';
import { twoFactorApi } from './two-factor-api.js';
import { policiesApi } from './policies-api.js';
import { tokensApi } from './tokens-api.js';
import { workspacesApi } from './workspaces-api.js';
import { eventsApi } from './events-api.js';
import { profilesApi } from './profiles-api.js';
import { groupsApi } from './groups-api.js';
import { liveApi } from './live-api.js';
import { sourcesApi } from './sources-api.js';
import { sourceRejectionsApi } from './source-rejections-api.js';
import { statsApi } from './stats-api.js';

export interface ApiDeps {
  store: Store;
  changes: ChangeFeed;
  /** Outgoing email (SMTP, or the development outbox). */
  mailer: Mailer;
  /** The configured public URL (SLUICE_PUBLIC_URL): links in emails start with it. */
  publicUrl: string;
  /** The installation's keys (two-factor secrets are sealed with them). */
  keys: Keys;
}

/**
 * Extra admin API resources registered by other parts (pipeline, privacy, accounts), each a Fastify plugin
 * mounted under /api/v1 behind the same auth hook.
 */
export type ApiExtension = (app: FastifyInstance) => Promise<void>;

/** The admin REST API under /api/v1: Bearer auth, one file per resource. */
export async function apiPlugin(app: FastifyInstance, deps: ApiDeps & { extensions?: readonly ApiExtension[] }): Promise<void> {
  installApiAuth(app, deps.store);
  installBodylessPost(app);
  app.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  const audit = new AuditLog(deps.store.audit);
  await app.register(sourcesApi, { store: deps.store, changes: deps.changes, audit });
  await app.register(auditLogApi, { repository: deps.store.audit, audit, members: deps.store.members, tokens: deps.store.tokens });
  const accounts = new AccountService(deps.store, audit, { mailer: deps.mailer, publicUrl: deps.publicUrl }, new TwoFactorService(deps.store, deps.keys));
  await app.register(authApi, { accounts, store: deps.store });
  await app.register(meApi, { accounts, store: deps.store, audit });
  await app.register(meSessionsApi, { store: deps.store, audit });
  await app.register(membersApi, { accounts, store: deps.store, audit });
  await app.register(tokensApi, { store: deps.store, audit });
  await app.register(workspacesApi, { store: deps.store, audit });
  await app.register(policiesApi, { store: deps.store, audit });
  await app.register(eventsApi, { store: deps.store });
  await app.register(profilesApi, { store: deps.store });
  await app.register(groupsApi, { store: deps.store });
  await app.register(liveApi, { store: deps.store });
  await app.register(sourceRejectionsApi, { store: deps.store });
  await app.register(statsApi, { store: deps.store });
  await app.register(outboxApi, { mailer: deps.mailer });
  await app.register(twoFactorApi, { accounts, store: deps.store, audit });
  for (const extension of deps.extensions ?? []) await app.register(extension);
}
