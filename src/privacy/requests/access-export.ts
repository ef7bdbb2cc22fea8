import { identifierKey } from '../../core/privacy/subject.js';
import type { Store } from '../../store/store.js';
import { processingInformation } from './access-export-processing.js';
import { accessRecipients, objectedCategories } from './access-export-recipients.js';
import type { ExecutorPorts } from './ports.js';
import type { PrivacyRequest } from './request.js';
import { FIRST_PAGE, type EventPageCursor } from './subject-data.js';
import { profilesOf, resolveSubject, subjectIdentifiers, type ResolvedSubject } from './subject.js';

export type ExportFormat = 'json' | 'ndjson';
const PAGE = 1_000;

export interface ExportDeps {
  readonly store: Store;
  readonly ports: ExecutorPorts;
}

/** The small parts of an export (everything but the events), read before streaming starts (JSON and HTML alike). */
export async function exportHeader(deps: ExportDeps, request: PrivacyRequest, subject: ResolvedSubject) {
  const ws = request.workspaceId;
  const profileViews = (await profilesOf(deps.store.identities, ws, request.subject)).map((p) => ({ traits: p.traits, firstSeen: new Date(p.firstSeen).toISOString(), lastSeen: new Date(p.lastSeen).toISOString() }));
  const known = new Set(subjectIdentifiers(subject).map(identifierKey));
  const ownRequests = (await deps.store.privacyRequests.list(ws, { limit: 10_000 }))
    .filter((r) => subjectIdentifiers({ userIds: r.subject.userId ? [r.subject.userId] : [], anonymousIds: r.subject.anonymousId ? [r.subject.anonymousId] : [], emails: r.subject.email ? [r.subject.email] : [] }).some((id) => known.has(identifierKey(id))));
  const requests = ownRequests.map((r) => ({ id: r.id, type: r.type, status: r.status, receivedAt: new Date(r.receivedAt).toISOString(), ...(r.respondedAt !== null && { respondedAt: new Date(r.respondedAt).toISOString() }) }));
  const consent = deps.ports.consent ? await deps.ports.consent.history(ws, subject) : [];
  // The wording of each consent banner a choice was made on: what the person was shown (GDPR Art. 7(1)).
  const bannerVersions = consent.map((c) => c.bannerVersion).filter((v): v is string => typeof v === 'string');
  const consentBanners = (bannerVersions.length > 0 ? await deps.store.consent.banners(ws, bannerVersions) : []).map((b) => ({ version: b.version, firstServedAt: new Date(b.firstServedAt).toISOString(), content: b.content }));
  // What Sluice decided about the person and acts on: a child flag (with what showed the age), and the
  // restrictions of processing they asked for (GDPR 18, CPRA 1798.121).
  const flags = (await deps.store.subjectFlags.list(ws, subjectIdentifiers(subject))).map((f) => ({
    identifier: f.subject,
    flag: f.flag,
    ...(f.detail !== null && { detail: f.detail }),
    since: new Date(f.createdAt).toISOString(),
  }));
  const typed = subjectIdentifiers(subject);
  const restrictions = {
    processingRestricted: (await deps.store.subjectData.restricted(ws, 'restrict', typed)).map((id) => id.value),
    sensitiveUseLimited: (await deps.store.subjectData.restricted(ws, 'limit_sensitive', typed)).map((id) => id.value),
  };
  // Every configured destination, and each deleted one that received the subject's data (GDPR 15(1)(c)), with
  // what it had of their events and whether their objection or restriction stopped it for them.
  const configured = await deps.store.destinations.list(ws);
  const destinations = accessRecipients(
    (await deps.ports.deletionTargets?.list(ws, subject)) ?? [],
    new Map(configured.map((d) => [d.id, d.consentCategories])),
    { restricted: restrictions.processingRestricted.length > 0, objected: objectedCategories(consent, new Map(ownRequests.map((r) => [r.id, r.type]))) },
  );
  // Why the data is used, on what basis, how long it is kept and the person's rights (GDPR 15(1)(a)-(f), 15(2)).
  const processing = await processingInformation(deps.store, ws, request.regulation, destinations);
  return {
    format: 'sluice.access-export/v1',
    requestId: request.id,
    generatedAt: new Date().toISOString(),
    subject: { userIds: subject.userIds, anonymousIds: subject.anonymousIds, emails: subject.emails },
    profile: profileViews[0] ?? null,
    profiles: profileViews,
    identities: [
      ...subject.userIds.map((value) => ({ type: 'userId', value })),
      ...subject.anonymousIds.map((value) => ({ type: 'anonymousId', value })),
      ...subject.emails.map((value) => ({ type: 'email', value })),
    ],
    consentHistory: consent,
    consentBanners,
    consentLedgerAvailable: deps.ports.consent !== undefined,
    flags,
    restrictions,
    requests,
    destinations,
    processing,
  };
}

/**
 * The access (and portability) export, as text chunks: JSON (one document, `events` last) or NDJSON (one
 * record per line: a `header`, then one `event` per line). Events are read a page at a time, so memory stays
 * flat however many events the subject has.
 */
export async function* accessExport(deps: ExportDeps, request: PrivacyRequest, format: ExportFormat): AsyncGenerator<string> {
  const subject = await resolveSubject(deps.store.identities, request.workspaceId, request.subject);
  const header = await exportHeader(deps, request, subject);
  if (format === 'ndjson') yield `${JSON.stringify({ kind: 'header', ...header })}\n`;
  else yield `${JSON.stringify(header).slice(0, -1)},"events":[`;
  let cursor: EventPageCursor | undefined = FIRST_PAGE;
  let first = true;
  while (cursor) {
    const page = await deps.store.subjectData.eventPage(request.workspaceId, subject, cursor, PAGE);
    if (page.events.length > 0) {
      const lines = page.events.map((e) => JSON.stringify({ ...e.event, sourceId: e.sourceId }));
      if (format === 'ndjson') yield lines.map((line) => `{"kind":"event","event":${line}}\n`).join('');
      else {
        yield (first ? '' : ',') + lines.join(',');
        first = false;
      }
    }
    cursor = page.next;
  }
  if (format === 'json') yield ']}';
}

/** Counts for the request's result (the export itself is produced at download time, from live data). */
export async function accessSummary(deps: ExportDeps, request: PrivacyRequest) {
  const subject = await resolveSubject(deps.store.identities, request.workspaceId, request.subject);
  return {
    kind: 'access',
    events: await deps.store.subjectData.countEvents(request.workspaceId, subject),
    identities: subject.userIds.length + subject.anonymousIds.length + subject.emails.length,
    profileFound: subject.profileIds.length > 0,
    formats: ['json', 'ndjson', 'html'],
  };
}
