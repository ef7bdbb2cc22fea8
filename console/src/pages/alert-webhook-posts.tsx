import type { AlertWebhookPost } from '../api';

/** How each format is named to people. */
const RECEIVER: Record<AlertWebhookPost['format'], string> = { slack: 'Slack', json: 'Webhook', pagerduty: 'PagerDuty' };

/** One post in words: taken, being tried again (why, and when next), or given up (why). */
function postText(post: AlertWebhookPost): string {
  const what = post.notice.includes('again') || post.notice.includes('caught_up') || post.notice === 'role_running' ? 'end' : 'start';
  const receiver = RECEIVER[post.format] ?? 'Webhook';
  if (post.state === 'delivered') return `${receiver}: told of the ${what}${post.attempts > 1 ? ` (at attempt ${post.attempts})` : ''}.`;
  if (post.state === 'pending') {
    const next = post.nextAttemptAt ? new Date(post.nextAttemptAt).toLocaleTimeString() : 'soon';
    return `${receiver}: not taken yet (${post.lastError ?? 'no answer'}); trying again at ${next}.`;
  }
  return `${receiver}: not told of the ${what}, given up after ${post.attempts} attempt${post.attempts === 1 ? '' : 's'} (${post.lastError ?? 'no answer'}).`;
}

/**
 * An alert episode's posts to the workspace's alert webhook (Slack, JSON or PagerDuty), one line each, under the episode
 * in the alert listings; nothing when none was posted (no webhook set, or before Sluice kept them).
 */
export function AlertWebhookPosts({ posts }: { posts: readonly AlertWebhookPost[] | undefined }) {
  if (!posts || posts.length === 0) return null;
  return (
    <>
      {posts.map((post) => (
        <div key={`${post.notice}-${post.createdAt}`} className="hint" data-testid="alert-webhook-post" data-state={post.state}>
          {postText(post)}
        </div>
      ))}
    </>
  );
}
