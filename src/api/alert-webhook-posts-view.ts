import { Type } from '@sinclair/typebox';
import { ALERT_WEBHOOK_POST_STATES, type AlertWebhookPost } from '../store/alert-webhook-post-repository.js';
import type { Store } from '../store/store.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An episode's posts to the caller's workspace's alert webhook, as the alert listings show them. */
export const AlertWebhookPostsView = Type.Array(
  Type.Object({
    notice: Type.String({ description: 'the notice posted: the opening (failing, falling_behind, processing_behind, role_missing) or the end (delivering_again, caught_up, processing_caught_up, role_running)' }),
    state: Type.Union(ALERT_WEBHOOK_POST_STATES.map((s) => Type.Literal(s)), { description: 'pending (tried again at nextAttemptAt), delivered, or given_up (refused for good, or not taken within an hour)' }),
    format: Type.String({ description: 'slack, json or pagerduty: the webhook it went to' }),
    attempts: Type.Integer(),
    lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's HTTP status at the last attempt; null when it did not answer" }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'pending: when it is tried next' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when it was delivered or given up' }),
  }),
  { description: "the episode's notices to this workspace's alert webhook, oldest first (empty when none was set, or before migration 1250)" },
);

function postView(post: AlertWebhookPost) {
  return {
    notice: post.noticeKind,
    state: post.state,
    format: post.format,
    attempts: post.attempts,
    lastStatus: post.lastStatus,
    lastError: post.lastError,
    createdAt: iso(post.createdAt),
    nextAttemptAt: post.state === 'pending' ? iso(post.nextAttemptAt) : null,
    finishedAt: post.finishedAt === null ? null : iso(post.finishedAt),
  };
}

/** The posts of these episodes to the workspace's alert webhook, by episode id (one query). */
export async function alertWebhookPostsOf(store: Pick<Store, 'alertWebhookPosts'>, workspaceId: string, alertIds: readonly string[]): Promise<(alertId: string) => ReturnType<typeof postView>[]> {
  const byAlert = new Map<string, ReturnType<typeof postView>[]>();
  for (const post of await store.alertWebhookPosts.ofAlerts(workspaceId, alertIds)) {
    const list = byAlert.get(post.alertId) ?? [];
    list.push(postView(post));
    byAlert.set(post.alertId, list);
  }
  return (alertId) => byAlert.get(alertId) ?? [];
}
