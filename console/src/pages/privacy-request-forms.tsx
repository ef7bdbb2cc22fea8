import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { ConfirmPrompt } from '../components/confirm';
import { ErrorBox } from '../components/error-box';
import { useFormSubmit } from '../components/use-form-submit';

export const REQUEST_TYPES = ['access', 'delete', 'correct', 'restrict', 'unrestrict', 'object', 'opt_out', 'limit_sensitive', 'unlimit_sensitive', 'suppress', 'unsuppress', 'know'] as const;
export const REGULATIONS = [
  { id: 'gdpr', label: 'GDPR' },
  { id: 'ccpa', label: 'CCPA' },
] as const;
export type Regulation = (typeof REGULATIONS)[number]['id'];

/** GET/PUT /api/v1/privacy-requests/settings. */
export interface RequestSettings {
  requireApproval: boolean;
  defaultRegulation: Regulation;
  /** Days before a hosted-page request whose code was never entered is denied; 0: never. */
  closeUnverifiedAfterDays: number;
}

/** What running a request of each type does, said before it is set going. Types missing here can be undone by another request. */
export const IRREVERSIBLE: Partial<Record<string, string>> = {
  delete:
    "Sluice erases the person's stored events, profile, identity links and consent states, and asks every destination to delete them. This cannot be undone.",
  correct: "Sluice overwrites the person's traits with the corrected values (sent through the pipeline as an identify, to destinations too).",
};

/** The regulations as the options of a select. */
function RegulationOptions() {
  return (
    <>
      {REGULATIONS.map((r) => (
        <option key={r.id} value={r.id}>
          {r.label}
        </option>
      ))}
    </>
  );
}

/** The languages Sluice writes to data subjects in (the server's `LANGUAGES`): a request's emails go out in its own. */
const LANGUAGES: readonly { id: string; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'de', label: 'Deutsch' },
  { id: 'fr', label: 'Français' },
  { id: 'es', label: 'Español' },
  { id: 'it', label: 'Italiano' },
  { id: 'nl', label: 'Nederlands' },
  { id: 'pt', label: 'Português' },
];

/** A language's name in itself (`de`: Deutsch), as the request detail shows it. */
export const languageLabel = (id: string) => LANGUAGES.find((l) => l.id === id)?.label ?? id;

const regulationLabel = (id: string) => REGULATIONS.find((r) => r.id === id)?.label ?? id.toUpperCase();

interface TraitRow {
  key: string;
  value: string;
}

/** The corrected traits of a `correct` request from its rows, or the problems with them (row numbers as shown). */
export function traitsOf(rows: readonly TraitRow[]): { traits: Record<string, string>; problems: { row: number; message: string }[] } {
  const traits: Record<string, string> = {};
  const problems: { row: number; message: string }[] = [];
  rows.forEach((r, i) => {
    const key = r.key.trim();
    if (key === '' && r.value.trim() === '') return;
    if (key === '') problems.push({ row: i, message: `Trait ${i + 1}: enter the trait's name (for example email or lastName).` });
    else if (key in traits) problems.push({ row: i, message: `Trait ${i + 1}: "${key}" is given twice; keep one.` });
    else traits[key] = r.value;
  });
  if (problems.length === 0 && Object.keys(traits).length === 0) problems.push({ row: 0, message: 'A correct request needs at least one corrected trait: its name and the right value.' });
  return { traits, problems };
}

/** Records a data-subject request received by other means (email, phone): type, regulation, subject, corrected traits. */
export function NewRequestForm({ settings, onCreated }: { settings: RequestSettings | undefined; onCreated: () => void }) {
  const [draft, setDraft] = useState({ type: 'access', regulation: '', language: 'en', field: 'email', value: '', contact: '', verified: false });
  const [traits, setTraits] = useState<TraitRow[]>([{ key: '', value: '' }]);
  const [problems, setProblems] = useState<{ row: number; message: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const correct = draft.type === 'correct';
  const regulation = draft.regulation === '' ? settings?.defaultRegulation : draft.regulation;
  // Opened as verified without approval, an irreversible request runs at once.
  const runsAtOnce = draft.verified && IRREVERSIBLE[draft.type] !== undefined && settings?.requireApproval !== true;

  useEffect(() => setProblems([]), [draft.type]);

  const send = async () => {
    setConfirming(false);
    const parsed = correct ? traitsOf(traits) : { traits: {}, problems: [] };
    try {
      await api('POST', '/api/v1/privacy-requests', {
        type: draft.type,
        subject: { [draft.field]: draft.value.trim() },
        ...(draft.regulation !== '' ? { regulation: draft.regulation } : {}),
        ...(correct ? { traits: parsed.traits } : {}),
        ...(draft.contact.trim() !== '' ? { contactEmail: draft.contact.trim() } : {}),
        ...(draft.language !== 'en' ? { language: draft.language } : {}),
        ...(draft.verified ? { verified: true } : {}),
      });
      setDraft({ ...draft, value: '', contact: '', verified: false });
      setTraits([{ key: '', value: '' }]);
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (correct) {
      const found = traitsOf(traits).problems;
      setProblems(found);
      if (found.length > 0) {
        document.getElementById(`trait-${found[0]!.row}-key`)?.focus();
        return;
      }
    }
    if (runsAtOnce) setConfirming(true);
    else void send();
  };
  const setTrait = (index: number, patch: Partial<TraitRow>) => setTraits((rows) => rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const bad = (index: number) => problems.some((p) => p.row === index);

  return (
    <form className="card" onSubmit={submit} aria-label="Open a privacy request">
      <h2>Open a request</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="rq-type">Type</label>
          <select id="rq-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            {REQUEST_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rq-regulation">Regulation</label>
          <select id="rq-regulation" value={draft.regulation} onChange={(e) => setDraft({ ...draft, regulation: e.target.value })}>
            <option value="">workspace default ({settings ? regulationLabel(settings.defaultRegulation) : '…'})</option>
            <RegulationOptions />
          </select>
        </div>
        <div className="field">
          <label htmlFor="rq-language">Language of the emails</label>
          <select id="rq-language" value={draft.language} onChange={(e) => setDraft({ ...draft, language: e.target.value })}>
            {LANGUAGES.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rq-field">Subject</label>
          <select id="rq-field" value={draft.field} onChange={(e) => setDraft({ ...draft, field: e.target.value })}>
            <option value="email">email</option>
            <option value="userId">userId</option>
            <option value="anonymousId">anonymousId</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="rq-value">Subject identifier</label>
          <input id="rq-value" value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })} required />
        </div>
        <div className="field">
          <label htmlFor="rq-contact">Contact email</label>
          <input id="rq-contact" type="email" value={draft.contact} onChange={(e) => setDraft({ ...draft, contact: e.target.value })} aria-describedby="rq-contact-hint" />
          <p className="hint" id="rq-contact-hint">
            Where the person is told of the request and its answer (with the download link of a copy or report). Empty: the subject's email when that is the identifier; a request
            by userId or anonymousId has no address then, and the person hears nothing from Sluice.
          </p>
        </div>
        <div className="field check">
          <input id="rq-verified" type="checkbox" checked={draft.verified} onChange={(e) => setDraft({ ...draft, verified: e.target.checked })} />
          <label htmlFor="rq-verified">identity verified by me</label>
        </div>
      </div>
      {correct && (
        <fieldset>
          <legend>Corrected traits</legend>
          <p className="hint" id="traits-hint">
            The trait's name as your sources send it (for example <code>email</code>, <code>lastName</code>) and the right value, sent as text.
          </p>
          {traits.map((row, i) => (
            <div className="filter-row" key={i}>
              <div className="field">
                <label htmlFor={`trait-${i}-key`}>Trait {i + 1} name</label>
                <input id={`trait-${i}-key`} value={row.key} onChange={(e) => setTrait(i, { key: e.target.value })} aria-invalid={bad(i)} aria-describedby={bad(i) ? 'trait-problems' : 'traits-hint'} />
              </div>
              <div className="field">
                <label htmlFor={`trait-${i}-value`}>Trait {i + 1} value</label>
                <input id={`trait-${i}-value`} className="wide" value={row.value} onChange={(e) => setTrait(i, { value: e.target.value })} />
              </div>
              <button type="button" onClick={() => setTraits((rows) => (rows.length === 1 ? [{ key: '', value: '' }] : rows.filter((_, j) => j !== i)))} aria-label={`Remove trait ${i + 1}`}>
                Remove
              </button>
            </div>
          ))}
          <div className="actions">
            <button type="button" onClick={() => setTraits((rows) => [...rows, { key: '', value: '' }])}>
              Add trait
            </button>
          </div>
          {problems.length > 0 && (
            <div className="error" role="alert" id="trait-problems">
              <span>
                {problems.map((p) => (
                  <span key={p.message}>
                    {p.message}
                    <br />
                  </span>
                ))}
              </span>
            </div>
          )}
        </fieldset>
      )}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      {confirming ? (
        <ConfirmPrompt label="Confirm opening a verified request" confirmLabel={`Open and run the ${draft.type} request`} onConfirm={() => void send()} onCancel={() => setConfirming(false)}>
          This {draft.type} request for {draft.field}: {draft.value.trim()} ({regulation ? regulationLabel(regulation) : 'workspace default'}) is verified and the workspace
          does not require approval, so it runs as soon as it is opened. {IRREVERSIBLE[draft.type]}
        </ConfirmPrompt>
      ) : (
        <div className="actions">
          <button type="submit" id="rq-open" className="primary">
            Open request
          </button>
        </div>
      )}
    </form>
  );
}

/** The workspace's request policy: a second person's approval, the regulation a request gets when it names none, and when unverified hosted-page requests are closed. */
export function RequestSettingsCard({ settings, error, onSaved }: { settings: RequestSettings | undefined; error: unknown; onSaved: (next: RequestSettings) => void }) {
  const [draft, setDraft] = useState<RequestSettings | undefined>(settings);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(settings), [settings]);
  // Locked while a save is out (`busy`): its answer replaces the draft, which would undo an edit made meanwhile.
  const save = useFormSubmit(async () => {
    if (!draft) return;
    setSaved(false);
    onSaved(await api<RequestSettings>('PUT', '/api/v1/privacy-requests/settings', draft));
    setSaved(true);
  });
  return (
    <form className="card" onSubmit={save.onSubmit} aria-label="Request settings">
      <h2>Request settings</h2>
      <ErrorBox error={error} />
      {draft && (
        <fieldset className="read-only" disabled={save.busy} aria-busy={save.busy}>
          <div className="filters">
            <div className="field check">
              <input id="rs-approval" type="checkbox" checked={draft.requireApproval} onChange={(e) => setDraft({ ...draft, requireApproval: e.target.checked })} aria-describedby="rs-approval-hint" />
              <label htmlFor="rs-approval">Require approval</label>
              <span className="hint" id="rs-approval-hint">
                A verified request waits for another member with privacy:write to approve it (not the one who verified it).
              </span>
            </div>
            <div className="field">
              <label htmlFor="rs-regulation">Default regulation</label>
              <select id="rs-regulation" value={draft.defaultRegulation} onChange={(e) => setDraft({ ...draft, defaultRegulation: e.target.value === 'ccpa' ? 'ccpa' : 'gdpr' })}>
                <RegulationOptions />
              </select>
            </div>
            <div className="field">
              <label htmlFor="rs-close-unverified">Close unverified requests after (days)</label>
              <input
                id="rs-close-unverified"
                type="number"
                min={0}
                max={28}
                step={1}
                value={draft.closeUnverifiedAfterDays}
                onChange={(e) => setDraft({ ...draft, closeUnverifiedAfterDays: e.target.value === '' ? 0 : Number(e.target.value) })}
                aria-describedby="rs-close-unverified-hint"
              />
              <span className="hint" id="rs-close-unverified-hint">
                A request made on the privacy page whose emailed code was never entered is denied after this many days (at most 28), and the person is told why and that they may ask again. 0: never, such requests wait for a member.
              </span>
            </div>
          </div>
        </fieldset>
      )}
      <ErrorBox error={save.error} onDismiss={() => save.setError(null)} />
      {saved && (
        <p className="notice" role="status">
          Request settings saved.
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!draft || save.busy}>
          {save.busy ? 'Saving…' : 'Save request settings'}
        </button>
      </div>
    </form>
  );
}
