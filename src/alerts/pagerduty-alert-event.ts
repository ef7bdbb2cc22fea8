import type { AlertNotice } from './alert-notices.js';

/**
 * PagerDuty's Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): an episode that opens
 * triggers an incident, one that ends resolves it. The episode's id is the `dedup_key`, so a notice told again (after a
 * mute ended, or by a second jobs process) lands on the same incident, and the resolve finds it.
 */

/** Notices that end an episode: they resolve its incident. The others trigger one (a role missing is critical: its work stops). */
const RESOLVING: ReadonlySet<AlertNotice['kind']> = new Set(['delivering_again', 'caught_up', 'processing_caught_up', 'role_running']);

/** How urgent each opening is: processing stalled stops everything; a failing destination loses data once retries run out. */
const SEVERITY: Record<AlertNotice['kind'], 'critical' | 'error' | 'warning' | 'info'> = {
  processing_behind: 'critical',
  failing: 'error',
  falling_behind: 'warning',
  delivering_again: 'info',
  caught_up: 'info',
  processing_caught_up: 'info',
  role_missing: 'critical',
  role_running: 'info',
};

/** PagerDuty refuses a summary longer than this. */
const MAX_SUMMARY = 1024;

export interface PagerDutyEventInput {
  readonly routingKey: string;
  readonly notice: AlertNotice;
  /** The episode's id: the incident's dedup_key. */
  readonly episodeId: string;
  /** What PagerDuty shows as the affected component: the destination's name, or "processing". */
  readonly component: string;
  readonly workspaceName: string;
  /** The console page to open. */
  readonly link: string;
  /** Every field of the episode, shown in the incident's details. */
  readonly details: Record<string, unknown>;
}

/** The JSON body of one Events API v2 call: a trigger with the notice's text and the episode's fields, or a resolve. */
export function pagerDutyEvent(input: PagerDutyEventInput): Record<string, unknown> {
  const { routingKey, notice, episodeId } = input;
  const dedupKey = `sluice:${episodeId}`;
  if (RESOLVING.has(notice.kind)) return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const summary = notice.subject.length > MAX_SUMMARY ? `${notice.subject.slice(0, MAX_SUMMARY - 3)}...` : notice.subject;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary,
      // PagerDuty's "affected system": the Sluice installation, by the console's host.
      source: hostOf(input.link),
      severity: SEVERITY[notice.kind],
      component: input.component,
      group: input.workspaceName,
      class: notice.kind,
      custom_details: { text: notice.paragraphs.join('\n'), ...input.details },
    },
    client: 'Sluice',
    client_url: input.link,
    links: [{ href: input.link, text: 'Open in the Sluice console' }],
  };
}

/** The kinds of episode, named by the notice that opens them. */
export type OpeningKind = 'failing' | 'falling_behind' | 'processing_behind' | 'role_missing';

/** The closing notice of an episode's kind, for an episode that ended without anyone being told (its incident still resolves). */
export function resolvingKindOf(kind: OpeningKind): AlertNotice['kind'] {
  return kind === 'failing' ? 'delivering_again' : kind === 'falling_behind' ? 'caught_up' : kind === 'role_missing' ? 'role_running' : 'processing_caught_up';
}

function hostOf(link: string): string {
  try {
    return new URL(link).host;
  } catch {
    return 'sluice';
  }
}
