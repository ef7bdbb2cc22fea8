import type { MailMessage } from '../mail/mailer.js';
import type { DestinationAlert, PipelineAlert } from '../store/store.js';
import type { RoleAlert } from '../store/role-alert-repository.js';
import { describeReason, type AttemptTally } from './delivery-health.js';

/** What a delivery alert says, before it becomes an email or a webhook post. */
export interface AlertNotice {
  /**
   * What happened: a destination's episode opened (`failing`, `falling_behind`) or ended (`delivering_again`,
   * `caught_up`), or the pipeline's (`processing_behind`, `processing_caught_up`).
   */
  readonly kind: 'failing' | 'delivering_again' | 'falling_behind' | 'caught_up' | 'processing_behind' | 'processing_caught_up' | 'role_missing' | 'role_running';
  readonly subject: string;
  readonly paragraphs: readonly string[];
}

interface NoticeInput {
  readonly workspaceName: string;
  readonly destination: { readonly id: string; readonly name: string; readonly type: string };
}

/** Where an alert email goes, and the console links it carries. */
export interface AlertEmailAddress {
  readonly to: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  /** The console's page of the destination (its delivery log). */
  readonly link: string;
  /** The console's account page, where a member turns these emails off for themselves. */
  readonly accountLink: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A notice as an email to one member (text and HTML), with the link to the delivery log and how to stop these emails. */
export function alertEmail(notice: AlertNotice, address: AlertEmailAddress): MailMessage {
  const footer = `You get this email as an owner, admin or engineer of the workspace "${address.workspaceName}". To stop these emails for yourself, turn them off on your account page: ${address.accountLink}. Owners, admins and engineers can turn delivery alerts off, or make them less sensitive, for the whole workspace on the console's Destinations page.`;
  return {
    to: address.to,
    workspaceId: address.workspaceId,
    subject: notice.subject,
    text: `${notice.paragraphs.join('\n\n')}\n\nDelivery log: ${address.link}\n\n${footer}\n`,
    html: [
      '<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:36rem">',
      ...notice.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
      `<p><a href="${escapeHtml(address.link)}">Open the delivery log</a></p>`,
      `<p style="color:#666">${escapeHtml(footer)}</p>`,
      '</body></html>',
    ].join('\n'),
  };
}

/** "1 delivery waits", "25 deliveries wait": a count with its noun and verb agreeing. */
const waits = (n: number, one: string, many: string): string => `${n} ${n === 1 ? `${one} waits` : `${many} wait`}`;

const utc = (ms: number): string => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

function hours(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.round(minutes / 60);
  return h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

/** "Destination X is failing": what failed, the latest error, and what Sluice does meanwhile. */
export function failingNotice(input: NoticeInput & { readonly alert: DestinationAlert; readonly mostGaveUp: boolean; readonly retryWindowMs: number }): AlertNotice {
  const { alert, destination } = input;
  const attempts = `${alert.failures} of ${alert.attempts} delivery attempts in the last 15 minutes failed`;
  const paragraphs = [
    `The destination "${destination.name}" (${destination.type}) of the workspace "${input.workspaceName}" is failing: ${attempts}.`,
    ...(alert.lastError ? [`Latest error: ${alert.lastError}`] : []),
    ...(alert.topReason ? [`Commonest reason: ${describeReason(alert.topReason)}.`] : []),
    ...(input.mostGaveUp ? ['Most failures were refused for good: those events are marked failed and are not tried again by themselves.'] : []),
    `Sluice keeps trying events that can succeed later (timeouts, HTTP 429 and 5xx) with growing delays for up to ${hours(input.retryWindowMs)} after each one's first attempt, holding each person's later events back so they arrive in order; nothing accepted is lost meanwhile. Events still failing after that are marked failed; you can retry them from the delivery log.`,
    'You will get one more message when the destination delivers again.',
  ];
  return { kind: 'failing', subject: `Destination "${destination.name}" is failing`, paragraphs };
}

/** "Destination X is delivering again": how long it failed and what, if anything, needs retrying by hand. */
export function recoveredNotice(input: NoticeInput & { readonly alert: DestinationAlert; readonly recent: AttemptTally; readonly retryingNow: number; readonly gaveUpDuring: number }): AlertNotice {
  const { alert, destination } = input;
  const resolvedAt = alert.resolvedAt ?? alert.openedAt;
  const paragraphs = [
    `The destination "${destination.name}" (${destination.type}) of the workspace "${input.workspaceName}" is delivering again: ${input.recent.delivered} deliveries went through in the last 5 minutes, ${input.retryingNow === 0 ? 'and nothing is waiting for a retry' : `and ${input.retryingNow} are waiting for their next retry`}.`,
    `It had been failing since ${utc(alert.openedAt)} (${hours(resolvedAt - alert.openedAt)}).`,
    input.gaveUpDuring > 0
      ? `${input.gaveUpDuring} deliveries gave up meanwhile and are marked failed: they are not resent by themselves. Use "Retry all failed" in the delivery log to send them now.`
      : 'No delivery gave up meanwhile: the events that waited are being delivered in order.',
  ];
  return { kind: 'delivering_again', subject: `Destination "${destination.name}" is delivering again`, paragraphs };
}

/** What a falling-behind notice can add: why the destination may be waiting. */
export interface BehindContext {
  /** The destination refused a whole batch with Retry-After and nothing is sent to it before `until`. */
  readonly pause?: { readonly until: number; readonly reason: string };
  /** Deliveries waiting for a retry (the failing alert speaks of those). */
  readonly retrying: number;
  /** A replay to this destination queued its events meanwhile (they wait in the same queue). */
  readonly replaySince?: number;
  /** It was enabled again at this time, after its oldest waiting delivery was queued (what waited while disabled goes out first). */
  readonly enabledSince?: number;
}

/** "Destination X is falling behind": how long the oldest delivery has waited, how many wait, and the likely causes. */
export function behindNotice(input: NoticeInput & { readonly alert: DestinationAlert; readonly behindMinutes: number; readonly context: BehindContext }): AlertNotice {
  const { alert, destination, context } = input;
  const waited = hours(alert.openedAt - (alert.oldestWaitingAt ?? alert.openedAt));
  const waiting = alert.waiting ?? 0;
  const paragraphs = [
    `The destination "${destination.name}" (${destination.type}) of the workspace "${input.workspaceName}" is falling behind: its oldest delivery not yet sent has waited ${waited} (the limit is ${hours(input.behindMinutes * 60_000)}), and ${waits(waiting, 'delivery', 'deliveries')} to be sent.`,
    ...(context.pause ? [`It asked Sluice to wait (${context.pause.reason}) until ${utc(context.pause.until)}: nothing is sent to it before then.`] : []),
    ...(context.replaySince !== undefined ? [`A replay to this destination has queued events since ${utc(context.replaySince)}: they wait in the same queue as new events.`] : []),
    ...(context.enabledSince !== undefined ? [`It was enabled again at ${utc(context.enabledSince)}: what waited while it was disabled goes out first, and it has been behind for ${hours(input.alert.openedAt - context.enabledSince)} since.`] : []),
    ...(context.retrying > 0 ? [`${waits(context.retrying, 'more delivery', 'more deliveries')} for a retry after failing.`] : []),
    'Nothing accepted is lost: the events wait in the destination\'s queue and go out in order. A destination falls behind when it answers more slowly than events arrive (its delivery log shows each attempt), when it asks Sluice to wait, or when no router process is running (see /health and the processes\' logs).',
    'You will get one more message when it has caught up.',
  ];
  return { kind: 'falling_behind', subject: `Destination "${destination.name}" is falling behind`, paragraphs };
}

/** "Destination X has caught up": how long it was behind and what still waits. */
export function caughtUpNotice(input: NoticeInput & { readonly alert: DestinationAlert; readonly waitingNow: number; readonly oldestWaitingAt: number | undefined }): AlertNotice {
  const { alert, destination } = input;
  const resolvedAt = alert.resolvedAt ?? alert.openedAt;
  const now = input.waitingNow === 0 || input.oldestWaitingAt === undefined
    ? 'nothing waits to be sent now'
    : `${waits(input.waitingNow, 'delivery', 'deliveries')}, the oldest for ${hours(resolvedAt - input.oldestWaitingAt)}`;
  const paragraphs = [
    `The destination "${destination.name}" (${destination.type}) of the workspace "${input.workspaceName}" has caught up: ${now}.`,
    `It had been falling behind since ${utc(alert.openedAt)} (${hours(resolvedAt - alert.openedAt)}). The events that waited were delivered in order, or are in its delivery log if they failed.`,
  ];
  return { kind: 'caught_up', subject: `Destination "${destination.name}" has caught up`, paragraphs };
}

/** A notice told late, because its destination's alerts were muted when the episode began: says so first. */
export function withMuteEnded(notice: AlertNotice, openedAt: number): AlertNotice {
  return { ...notice, paragraphs: [`This began at ${utc(openedAt)}, while alerts for this destination were muted; the mute has ended and it is still so.`, ...notice.paragraphs] };
}

/** "Sluice is not keeping up": events accepted long ago still wait to be processed, in every workspace. */
export function processingBehindNotice(input: { readonly workspaceName: string; readonly alert: PipelineAlert; readonly limitMs: number }): AlertNotice {
  const { alert } = input;
  const paragraphs = [
    `Sluice is not keeping up with incoming events: events accepted ${hours(alert.openedAt - alert.waitingSince)} ago (the limit is ${hours(input.limitMs)}) are not processed yet, and ${waits(alert.backlog, 'event', 'events')} in the inbox. This concerns the whole installation, so every workspace's owners, admins and engineers, including those of "${input.workspaceName}", are told.`,
    'Nothing accepted is lost: the events are durable in the inbox and are processed in order once processing resumes. Until then they are not stored, not added to profiles, not delivered to any destination, and not reached by privacy requests.',
    'Common causes: no process runs the processor role (check SLUICE_ROLES of each process, and /health), the processor fails on every batch (its log says why), or more traffic than the processors handle (the /metrics gauge sluice_inbox_backlog; run more processor processes in scale mode).',
    'You will get one more message when processing has caught up.',
  ];
  return { kind: 'processing_behind', subject: 'Sluice is not keeping up with incoming events', paragraphs };
}

/** "Processing caught up": how long it was behind. */
export function processingCaughtUpNotice(input: { readonly alert: PipelineAlert; readonly backlogNow: number }): AlertNotice {
  const { alert } = input;
  const resolvedAt = alert.resolvedAt ?? alert.openedAt;
  const paragraphs = [
    `Sluice processes incoming events again without delay: ${input.backlogNow === 0 ? 'nothing waits in the inbox' : `${waits(input.backlogNow, 'event', 'events')} in the inbox, none for long`}.`,
    `It had been behind since ${utc(alert.openedAt)} (${hours(resolvedAt - alert.openedAt)}). The events that waited were processed in order and go to their destinations as usual.`,
  ];
  return { kind: 'processing_caught_up', subject: 'Sluice has caught up with incoming events', paragraphs };
}

/** "No process runs the jobs role": what stops without it (`stopped`, the API's words), since when. */
export function roleMissingNotice(input: { readonly workspaceName: string; readonly alert: RoleAlert; readonly stopped: string }): AlertNotice {
  const { alert } = input;
  const paragraphs = [
    `No Sluice process has run the ${alert.role} role since ${utc(alert.missingSince)} (${hours(alert.openedAt - alert.missingSince)}). Until one does, this stops: ${input.stopped}. This concerns the whole installation, so every workspace's owners, admins and engineers, including those of "${input.workspaceName}", are told.`,
    `Start a process with the ${alert.role} role (SLUICE_ROLES, or sluice start --role ${alert.role}), or look in the log of the one that ran it for why it stopped.${alert.role === 'api' ? '' : " The console's overview lists the processes running now."}`,
    'You will get one more message when a process runs it again.',
  ];
  return { kind: 'role_missing', subject: `No Sluice process runs the ${alert.role} role`, paragraphs };
}

/** "The jobs role runs again": how long it was missing. */
export function roleRunningNotice(input: { readonly alert: RoleAlert }): AlertNotice {
  const { alert } = input;
  const resolvedAt = alert.resolvedAt ?? alert.openedAt;
  const paragraphs = [`A Sluice process runs the ${alert.role} role again. It had been missing since ${utc(alert.missingSince)} (${hours(resolvedAt - alert.missingSince)}); the work it does resumes where it stopped.`];
  return { kind: 'role_running', subject: `The ${alert.role} role runs again`, paragraphs };
}
