import { Fragment, useEffect, useRef, useState } from 'react';
import { api, download, type SessionInfo } from '../api';
import { Can } from '../components/can';
import { ConfirmPrompt } from '../components/confirm';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';
import { TextPromptForm } from '../components/text-prompt-form';
import { ContactEmailForm } from './contact-email-form';
import { emailKindText, isGivenUp, SubjectEmailList, type SubjectEmail } from './subject-emails';
import { ObjectionDecisionForm, type PurposeDecision } from './objection-decision-form';
import { correctionFollowUpText, ToldByHandForm, WithdrawToldByHandForm, type CorrectionFollowUp } from './correction-follow-up-form';
import { followUpText, FollowUpForm, handConfirmationText, WithdrawConfirmationForm, type DeletionFollowUp, type HandConfirmation } from './deletion-follow-up-form';
import { IRREVERSIBLE, languageLabel, NewRequestForm, RequestSettingsCard, type RequestSettings } from './privacy-request-forms';

interface PrivacyRequest {
  id: string;
  type: string;
  status: string;
  regulation: string;
  /** The language the request was filed in: every email to the subject about it is written in it. */
  language?: string;
  subject: Record<string, string>;
  channel: string;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  /** Open, and its receipt not confirmed to the subject in time (CCPA: 10 business days). */
  receiptOverdue: boolean;
  receiptDueAt: string;
  receiptConfirmedAt?: string;
  verified: boolean;
  /** The actor who verified it (`member:mem_… (email)`, `token:…`, `system`): they may not also approve it. */
  verifiedBy?: string;
  resultUrl?: string;
  /** Where notices go (the subject, or their agent); a new download link is sent there. */
  contactEmail?: string;
  denialReason?: string;
  /** A deletion whose certificate still waits on jobs running at asynchronous tools (Mixpanel, Amplitude). */
  nextDeletionStatusCheckAt?: string;
  /** A completed deletion's destinations a person must follow up (a tool's job failed, or was never confirmed). */
  deletionFollowUps?: DeletionFollowUp[];
  /** A completed deletion's destinations where a person confirmed the deletion by hand. */
  handConfirmations?: HandConfirmation[];
  /** A deletion's certificate in brief: what each destination answered the forwarded erasure. */
  deletionOutcomes?: { destinationId: string; name: string; type: string; outcome: string; detail: string }[];
  correctionRecipients?: {
    destinationId: string;
    name: string;
    type: string;
    status: string;
    reason: string | null;
    detail: string | null;
    /** When its delivery failed (only while failed). */
    failedAt?: string;
    retriedBy?: string;
    retriedAt?: string;
    /** Told another way, confirmed by hand by this member (it reads delivered). */
    confirmedBy?: string;
    confirmedAt?: string;
  }[];
  /** A completed correction's recipients whose delivery failed: the team sends it again (retry-recipients), or confirms it told them another way. */
  correctionFollowUps?: CorrectionFollowUp[];
  /** An objection's purposes no consent category covers: it waits for the team's decision on each. */
  objectionPurposesToDecide?: string[];
  /** A completed objection's purposes the team decided. */
  objectionDecisions?: { purpose: string; outcome: 'stopped' | 'refused'; note: string; decidedBy: string; decidedAt: string }[];
  /** The emails to the subject about the request, oldest first, and whether the mail server took each. */
  emails?: SubjectEmail[];
}

/** A destination's answer to a forwarded erasure, in words. */
const OUTCOME_TEXT: Readonly<Record<string, string>> = {
  deleted: 'deleted',
  submitted: 'deletion job running',
  not_supported: 'cannot be asked automatically',
  not_recipient: 'never received their data, not told',
  failed: 'failed',
};

/** A correction's delivery to one destination (GDPR 19), in words. */
const RECIPIENT_TEXT: Readonly<Record<string, string>> = {
  delivered: 'correction delivered',
  dropped: 'not sent',
  failed: 'correction failed to arrive',
  queued: 'still queued',
  retrying: 'still retrying',
};

const VIEWS = [
  { id: 'open', label: 'All', path: '/api/v1/privacy-requests?limit=200' },
  { id: 'due-soon', label: 'Due within 7 days', path: '/api/v1/privacy-requests/due-soon?days=7' },
  { id: 'overdue', label: 'Overdue', path: '/api/v1/privacy-requests/overdue' },
  { id: 'receipt-overdue', label: 'Receipt not confirmed', path: '/api/v1/privacy-requests/receipt-overdue' },
  { id: 'follow-up', label: 'Deletions to follow up', path: '/api/v1/privacy-requests/deletion-follow-ups' },
  { id: 'correction-follow-up', label: 'Corrections to follow up', path: '/api/v1/privacy-requests/correction-follow-ups' },
  { id: 'email-follow-up', label: 'Emails not delivered', path: '/api/v1/privacy-requests/email-follow-ups' },
  { id: 'objection-decisions', label: 'Objections to decide', path: '/api/v1/privacy-requests/objection-decisions' },
] as const;

/** How often the list is read again while a request it shows is processing (the executor runs in the background). */
const POLL_MS = 2_000;

/** Days (or hours) left until a deadline, negative when past. */
function countdown(dueAt: string, now: number): string {
  const ms = Date.parse(dueAt) - now;
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  const hours = Math.floor((Math.abs(ms) % 86_400_000) / 3_600_000);
  const text = days > 0 ? `${days} d ${hours} h` : `${hours} h`;
  return ms >= 0 ? `${text} left` : `${text} overdue`;
}

const subjectText = (r: PrivacyRequest) =>
  Object.entries(r.subject)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

type Pending =
  | { id: string; action: 'verify' | 'approve' }
  | { id: string; action: 'deny' | 'extend' }
  | { id: string; action: 'confirm-deletion'; followUp: DeletionFollowUp }
  | { id: string; action: 'withdraw-confirmation'; confirmation: HandConfirmation }
  | { id: string; action: 'contact-email' }
  | { id: string; action: 'confirm-correction'; followUp: CorrectionFollowUp }
  | { id: string; action: 'withdraw-correction'; recipient: { destinationId: string; name: string; confirmedBy?: string } }
  | { id: string; action: 'decide-objection'; purposes: string[] };

/** A reason the subject is told (denial, extension), asked for in place of the row's buttons. */
function ReasonForm({ request, action, onSubmit, onCancel }: { request: PrivacyRequest; action: 'deny' | 'extend'; onSubmit: (reason: string) => void; onCancel: () => void }) {
  const deny = action === 'deny';
  return (
    <TextPromptForm
      formLabel={`${deny ? 'Deny' : 'Extend'} the ${request.type} request ${request.id}`}
      fieldId={`reason-${request.id}`}
      fieldLabel={deny ? 'Reason for the denial (the subject is told)' : 'Reason for the extension (the subject is told)'}
      submitLabel={deny ? `Deny the ${request.type} request` : 'Extend the deadline'}
      danger={deny}
      onSubmit={onSubmit}
      onCancel={onCancel}
    >
      {deny ? (
        <>
          Deny the <strong>{request.type}</strong> request {request.id} of <strong>{subjectText(request)}</strong>? The subject is told the reason, and a denied
          request cannot be reopened.
        </>
      ) : (
        <>
          Extend the deadline of the <strong>{request.type}</strong> request {request.id} of <strong>{subjectText(request)}</strong> (once: GDPR by two months,
          CCPA by 45 days)? The subject is told the reason.
        </>
      )}
    </TextPromptForm>
  );
}

/** The privacy-request queue: deadlines, lifecycle actions and results; the request policy; opening a request. */
export function PrivacyRequestsPage() {
  const [view, setView] = useState<(typeof VIEWS)[number]['id']>('open');
  const path = VIEWS.find((v) => v.id === view)!.path;
  const list = useAsync(() => api<{ requests: PrivacyRequest[] }>('GET', path), [path]);
  // Who this tab is: a request this actor verified cannot be approved by them (approval_needs_another_person).
  const me = useAsync(() => api<SessionInfo>('GET', '/api/v1/auth/session'), []);
  const loadedSettings = useAsync(() => api<RequestSettings>('GET', '/api/v1/privacy-requests/settings'), []);
  const [settings, setSettings] = useState<RequestSettings | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(null);
  /** What the last action did, when the list cannot show it (a new link sent). */
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const now = Date.now();
  const current = settings ?? loadedSettings.data;
  // A correction sent again to a recipient is followed in the background too, until its delivery ends.
  // An objection waiting for the team's decision is processing too, but nothing changes it in the background.
  const processing = list.data?.requests.some((r) => (r.status === 'processing' && r.objectionPurposesToDecide === undefined) || r.correctionRecipients?.some((d) => d.status === 'queued' || d.status === 'retrying') || r.emails?.some((e) => e.status === 'queued')) === true;

  // The executor runs requests in the background: while one shown is processing, read the list again every few seconds.
  const reload = useRef(list.reload);
  reload.current = list.reload;
  useEffect(() => {
    if (!processing) return;
    const timer = setInterval(() => reload.current(), POLL_MS);
    return () => clearInterval(timer);
  }, [processing]);

  /** POSTs one of a request's actions (`path` under the request), then reads the list again; a refusal is shown. */
  const post = async (id: string, path: string, body?: unknown): Promise<boolean> => {
    setActionError(null);
    setNotice(null);
    setPending(null);
    let done = false;
    try {
      await api('POST', `/api/v1/privacy-requests/${encodeURIComponent(id)}/${path}`, body);
      done = true;
    } catch (failure) {
      setActionError(failure);
    }
    list.reload();
    return done;
  };
  /** A completed access or know request's link expired, or its email was lost: the subject is emailed a new one. */
  const sendLink = async (r: PrivacyRequest) => {
    if (await post(r.id, 'send-link')) setNotice(`A new download link to the ${r.type} request ${r.id} is being emailed to ${r.contactEmail ?? 'its contact address'}.`);
  };
  /** An email the mail server never took (or refused): sent again to the contact address, audited. */
  const sendEmailAgain = async (r: PrivacyRequest, e: SubjectEmail) => {
    if (await post(r.id, `emails/${encodeURIComponent(e.id)}/send-again`)) setNotice(`The ${emailKindText(e).toLowerCase()} email of request ${r.id} is being sent again to ${r.contactEmail ?? 'its contact address'}.`);
  };
  /** Where the request's emails go, changed (audited); a given-up email is then sent again with its own button. */
  const changeContactEmail = async (r: PrivacyRequest, change: { email: string; reason: string }) => {
    if (await post(r.id, 'contact-email', change)) setNotice(`The emails of request ${r.id} now go to ${change.email}.`);
  };
  const act = (id: string, action: 'verify' | 'approve' | 'deny' | 'extend' | 'retry' | 'confirm-receipt', reason?: string) => post(id, action, reason === undefined ? undefined : { reason });
  const confirmDeletion = (id: string, destinationId: string, note: string) => post(id, `deletion-follow-ups/${encodeURIComponent(destinationId)}/confirm`, { note });
  const decideObjection = (id: string, decisions: PurposeDecision[]) => post(id, 'objection-decision', { decisions });
  const confirmCorrection = (id: string, destinationId: string, note: string) => post(id, `correction-follow-ups/${encodeURIComponent(destinationId)}/confirm`, { note });
  const withdrawCorrection = (id: string, destinationId: string, reason: string) => post(id, `correction-follow-ups/${encodeURIComponent(destinationId)}/withdraw`, { reason });
  const withdrawConfirmation = (id: string, destinationId: string, reason: string) => post(id, `deletion-follow-ups/${encodeURIComponent(destinationId)}/withdraw`, { reason });
  const label = (action: string, r: PrivacyRequest) => `${action} ${r.type} request ${r.id}`;
  /** Verifying an irreversible request runs it at once when the workspace requires no approval. */
  const verifyRunsAtOnce = (r: PrivacyRequest) => IRREVERSIBLE[r.type] !== undefined && current?.requireApproval !== true;

  const prompt = (r: PrivacyRequest) => {
    if (!pending || pending.id !== r.id) return null;
    if (pending.action === 'confirm-deletion') {
      const { followUp } = pending;
      return <FollowUpForm requestId={r.id} followUp={followUp} onSubmit={(note) => void confirmDeletion(r.id, followUp.destinationId, note)} onCancel={() => setPending(null)} />;
    }
    if (pending.action === 'decide-objection') {
      return <ObjectionDecisionForm requestId={r.id} purposes={pending.purposes} onSubmit={(decisions) => void decideObjection(r.id, decisions)} onCancel={() => setPending(null)} />;
    }
    if (pending.action === 'withdraw-correction') {
      const { recipient } = pending;
      return <WithdrawToldByHandForm requestId={r.id} recipient={recipient} onSubmit={(reason) => void withdrawCorrection(r.id, recipient.destinationId, reason)} onCancel={() => setPending(null)} />;
    }
    if (pending.action === 'confirm-correction') {
      const { followUp } = pending;
      return <ToldByHandForm requestId={r.id} followUp={followUp} onSubmit={(note) => void confirmCorrection(r.id, followUp.destinationId, note)} onCancel={() => setPending(null)} />;
    }
    if (pending.action === 'withdraw-confirmation') {
      const { confirmation } = pending;
      return (
        <WithdrawConfirmationForm requestId={r.id} confirmation={confirmation} onSubmit={(reason) => void withdrawConfirmation(r.id, confirmation.destinationId, reason)} onCancel={() => setPending(null)} />
      );
    }
    if (pending.action === 'contact-email') {
      return <ContactEmailForm requestId={r.id} current={r.contactEmail} onSubmit={(change) => void changeContactEmail(r, change)} onCancel={() => setPending(null)} />;
    }
    if (pending.action === 'deny' || pending.action === 'extend') {
      return <ReasonForm request={r} action={pending.action} onSubmit={(reason) => void act(r.id, pending.action, reason)} onCancel={() => setPending(null)} />;
    }
    const approve = pending.action === 'approve';
    return (
      <ConfirmPrompt
        label={`Confirm: ${label(approve ? 'approve' : 'verify', r)}`}
        confirmLabel={approve ? `Approve the ${r.type} request` : `Verify and run the ${r.type} request`}
        danger={IRREVERSIBLE[r.type] !== undefined}
        onConfirm={() => void act(r.id, pending.action)}
        onCancel={() => setPending(null)}
      >
        {approve ? 'Approve' : 'Mark as verified'} the <strong>{r.type}</strong> request {r.id} of <strong>{subjectText(r)}</strong> ({r.regulation.toUpperCase()})?{' '}
        {approve ? 'It runs at once.' : 'The workspace requires no approval, so it runs at once.'} {IRREVERSIBLE[r.type] ?? `Sluice carries out the ${r.type} request.`}
      </ConfirmPrompt>
    );
  };

  const approval = (r: PrivacyRequest) => {
    const actor = me.data?.actor;
    if (actor !== undefined && r.verifiedBy === actor) {
      return <span className="muted">You verified this request; another member with privacy:write must approve it.</span>;
    }
    return (
      <button type="button" id={`approve-${r.id}`} onClick={() => setPending({ id: r.id, action: 'approve' })} aria-label={label('Approve', r)}>
        Approve…
      </button>
    );
  };

  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Privacy requests</h1>
      <Can permission="privacy:write">
        <NewRequestForm settings={current} onCreated={list.reload} />
      </Can>
      <div className="toolbar" role="tablist" aria-label="Queue">
        {VIEWS.map((v) => (
          <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className={view === v.id ? 'primary' : ''} onClick={() => setView(v.id)}>
            {v.label}
          </button>
        ))}
        {processing && <span className="hint">A request is processing: this list updates every {POLL_MS / 1000} s.</span>}
      </div>
      <ErrorBox error={list.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(null)} />
      {notice !== null && (
        <p className="hint" role="status">
          {notice}
        </p>
      )}
      {me.error !== null && (
        <ErrorBox error={new Error(`Could not tell who you are (${me.error instanceof Error ? me.error.message : String(me.error)}): Approve is offered on every request, and the server refuses it for the person who verified it.`)} />
      )}
      {list.data && list.data.requests.length === 0 && <p className="muted">No requests here.</p>}
      {list.data && list.data.requests.length > 0 && (
        <table className="table" aria-label="Privacy requests">
          <TableHead columns={['Request', 'Subject', 'Status', 'Deadline', 'Actions']} />
          <tbody>
            {list.data.requests.map((r) => {
              const open = prompt(r);
              return (
                <Fragment key={r.id}>
                  <tr>
                    <td>
                      <strong>{r.type}</strong> <span className="muted">{r.regulation.toUpperCase()}</span>
                      {r.language !== undefined && r.language !== 'en' && (
                        <span className="muted" title="The language the request was filed in: every email to the subject is written in it">
                          {' '}· {languageLabel(r.language)}
                        </span>
                      )}
                      <br />
                      <code>{r.id}</code>
                    </td>
                    <td>{subjectText(r)}</td>
                    <td>
                      <span className={`badge ${r.status === 'completed' ? 'ok' : r.status === 'denied' || r.status === 'failed' ? 'off' : ''}`}>{r.status}</span>
                      {r.denialReason && <div className="muted">{r.denialReason}</div>}
                      {r.nextDeletionStatusCheckAt && (
                        <div className="muted" title="A tool took the deletion as an asynchronous job; Sluice asks until it ends and updates the certificate.">
                          Waiting on a tool's deletion job (next check {new Date(r.nextDeletionStatusCheckAt).toLocaleString()})
                        </div>
                      )}
                      {r.deletionFollowUps?.map((f) => (
                        <div key={f.destinationId} className="overdue" title={f.detail}>
                          {followUpText(f)}
                        </div>
                      ))}
                      {r.handConfirmations?.map((c) => (
                        <div key={c.destinationId} className="muted">
                          {handConfirmationText(c)}
                        </div>
                      ))}
                      {r.correctionFollowUps?.map((f) => (
                        <div key={f.destinationId} className="overdue" title={f.detail ?? undefined}>
                          {correctionFollowUpText(f)}
                        </div>
                      ))}
                      {r.objectionPurposesToDecide && (
                        <div className="overdue">Waits for your decision on {r.objectionPurposesToDecide.map((p) => `“${p}”`).join(', ')}: no consent category covers them</div>
                      )}
                      {r.objectionDecisions?.map((d) => (
                        <div key={d.purpose} className="muted" title={d.note}>
                          “{d.purpose}”: {d.outcome === 'stopped' ? 'stopped' : 'refused'} by {d.decidedBy}
                        </div>
                      ))}
                      {r.correctionRecipients && r.correctionRecipients.length > 0 && (
                        <ul className="muted" aria-label={`Where the correction of request ${r.id} was sent`}>
                          {r.correctionRecipients.map((d) => (
                            <li key={d.destinationId} title={d.detail ?? undefined}>
                              {d.name}: {d.confirmedBy ? 'told another way' : (RECIPIENT_TEXT[d.status] ?? d.status)}
                              {d.reason && d.status !== 'delivered' ? ` (${d.reason})` : ''}
                              {d.retriedBy ? `, sent again by ${d.retriedBy}` : ''}
                              {d.confirmedBy && d.confirmedAt ? `, confirmed by hand by ${d.confirmedBy} on ${new Date(d.confirmedAt).toLocaleString()}` : ''}
                            </li>
                          ))}
                        </ul>
                      )}
                      {r.deletionOutcomes && r.deletionOutcomes.length > 0 && (
                        <ul className="muted" aria-label={`Where the erasure of ${r.type} request ${r.id} was forwarded`}>
                          {r.deletionOutcomes.map((d) => (
                            <li key={d.destinationId} title={d.detail}>
                              {d.name}: {OUTCOME_TEXT[d.outcome] ?? d.outcome}
                            </li>
                          ))}
                        </ul>
                      )}
                      {r.emails && r.emails.length > 0 && <SubjectEmailList requestId={r.id} emails={r.emails} />}
                    </td>
                    <td className={r.overdue ? 'overdue' : ''}>
                      {['completed', 'denied'].includes(r.status) ? '—' : countdown(r.dueAt, now)}
                      <div className="muted">{new Date(r.dueAt).toLocaleDateString()}</div>
                      {r.receiptOverdue && <div className="overdue">Receipt not confirmed (due {new Date(r.receiptDueAt).toLocaleDateString()})</div>}
                    </td>
                    <td className="actions">
                      <Can permission="privacy:write">
                        {(r.status === 'received' || r.status === 'verifying') && (
                          <button
                            type="button"
                            id={`verify-${r.id}`}
                            onClick={() => (verifyRunsAtOnce(r) ? setPending({ id: r.id, action: 'verify' }) : void act(r.id, 'verify'))}
                            aria-label={label('Verify', r)}
                          >
                            {verifyRunsAtOnce(r) ? 'Verify…' : 'Verify'}
                          </button>
                        )}
                        {r.status === 'awaiting_approval' && approval(r)}
                        {!['completed', 'denied', 'failed'].includes(r.status) && (
                          <button type="button" id={`deny-${r.id}`} onClick={() => setPending({ id: r.id, action: 'deny' })} aria-label={label('Deny', r)}>
                            Deny…
                          </button>
                        )}
                        {/* A failed request has not answered the subject: its deadline may still be extended while it is retried. */}
                        {!['completed', 'denied'].includes(r.status) && (
                          <button type="button" id={`extend-${r.id}`} onClick={() => setPending({ id: r.id, action: 'extend' })} aria-label={label('Extend the deadline of', r)}>
                            Extend…
                          </button>
                        )}
                        {r.status === 'failed' && (
                          <button type="button" onClick={() => void act(r.id, 'retry')} aria-label={label('Retry', r)}>
                            Retry
                          </button>
                        )}
                        {r.correctionFollowUps && r.correctionFollowUps.length > 0 && (
                          <button type="button" onClick={() => void post(r.id, 'retry-recipients')} aria-label={`Send the correction of request ${r.id} again to ${r.correctionFollowUps.map((f) => f.name).join(', ')}`}>
                            Send the correction again
                          </button>
                        )}
                        {r.objectionPurposesToDecide && (
                          <button type="button" onClick={() => setPending({ id: r.id, action: 'decide-objection', purposes: r.objectionPurposesToDecide ?? [] })} aria-label={`Decide the objection ${r.id}`}>
                            Decide…
                          </button>
                        )}
                        {r.correctionFollowUps?.map((f) => (
                          <button key={f.destinationId} type="button" onClick={() => setPending({ id: r.id, action: 'confirm-correction', followUp: f })} aria-label={`Confirm ${f.name} was told of the correction of request ${r.id} another way`}>
                            Confirm told at {f.name}…
                          </button>
                        ))}
                        {r.correctionRecipients
                          ?.filter((d) => d.confirmedBy !== undefined)
                          .map((d) => (
                            <button key={d.destinationId} type="button" onClick={() => setPending({ id: r.id, action: 'withdraw-correction', recipient: d })} aria-label={`Withdraw the confirmation at ${d.name} of correction request ${r.id}`}>
                              Withdraw confirmation at {d.name}…
                            </button>
                          ))}
                        {r.deletionFollowUps?.map((f) => (
                          <button key={f.destinationId} type="button" onClick={() => setPending({ id: r.id, action: 'confirm-deletion', followUp: f })} aria-label={`Confirm the deletion at ${f.name} of ${r.type} request ${r.id}`}>
                            Confirm deleted at {f.name}…
                          </button>
                        ))}
                        {r.handConfirmations
                          ?.filter((c) => c.withdrawable)
                          .map((c) => (
                            <button key={c.destinationId} type="button" onClick={() => setPending({ id: r.id, action: 'withdraw-confirmation', confirmation: c })} aria-label={`Withdraw the confirmation at ${c.name} of ${r.type} request ${r.id}`}>
                              Withdraw confirmation at {c.name}…
                            </button>
                          ))}
                        {r.emails
                          ?.filter(isGivenUp)
                          .map((e) => (
                            <button
                              key={e.id}
                              type="button"
                              onClick={() => void sendEmailAgain(r, e)}
                              aria-label={`Send the ${emailKindText(e).toLowerCase()} email of request ${r.id} again`}
                              title={`Email ${r.contactEmail ?? 'the contact address'} again${e.kind === 'completion' || e.kind === 'new_link' ? ' (an access or know answer with a new download link)' : ''}`}
                            >
                              Send the {emailKindText(e).toLowerCase()} email again
                            </button>
                          ))}
                        {(r.contactEmail === undefined || r.emails?.some(isGivenUp)) && (
                          <button type="button" onClick={() => setPending({ id: r.id, action: 'contact-email' })} aria-label={label('Change the contact address of', r)} title="Send this request's emails to another address (the address was mistyped, or its mail server refused it)">
                            Change contact address…
                          </button>
                        )}
                        {r.receiptConfirmedAt === undefined && !['completed', 'denied'].includes(r.status) && (
                          <button type="button" id={`confirm-receipt-${r.id}`} onClick={() => void act(r.id, 'confirm-receipt')} aria-label={label('Record the receipt confirmation of', r)} title="Record that the subject was told their request arrived (by letter or call; an email to a contact address records it by itself)">
                            Record receipt confirmed
                          </button>
                        )}
                        {r.status === 'completed' && (r.type === 'access' || r.type === 'know') && r.contactEmail !== undefined && (
                          <button type="button" id={`send-link-${r.id}`} onClick={() => void sendLink(r)} aria-label={label('Send a new download link for', r)} title={`Email ${r.contactEmail} a new time-limited link to the result (the first one expired, or the email was lost)`}>
                            Send a new link
                          </button>
                        )}
                      </Can>
                      {r.resultUrl && (
                        <button type="button" onClick={() => void download(r.resultUrl!, `${r.type}-${r.id}.json`).catch(setActionError)} aria-label={label('Download the result of', r)}>
                          Download result
                        </button>
                      )}
                    </td>
                  </tr>
                  {open && (
                    <tr>
                      <td colSpan={5}>{open}</td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      <Can permission="privacy:write" otherwise="disable">
        <RequestSettingsCard settings={current} error={loadedSettings.error} onSaved={setSettings} />
      </Can>
    </section>
  );
}
