import { useState } from 'react';
import { api } from '../api';
import { useFormSubmit } from '../components/use-form-submit';
import { ErrorBox } from '../components/error-box';

/** The fixed vocabularies of src/core/privacy/disclosure-profile.ts (the API refuses anything else). */
export const RECIPIENT_CATEGORIES = ['service_provider', 'contractor', 'analytics_provider', 'advertising_partner', 'data_broker', 'internal', 'other_third_party'] as const;
export const PURPOSES = ['essential_service', 'analytics', 'personalization', 'marketing', 'advertising', 'research_and_development', 'security_and_compliance'] as const;
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export const CCPA_FLOWS = ['none', 'sale', 'sharing'] as const;
export const COLLECTION_CHANNELS = ['website', 'app', 'server', 'import'] as const;

const words = (id: string) => id.replace(/_/g, ' ');

export interface RecipientProfile {
  recipientCategory?: string;
  purposes?: string[];
  legalBasis?: string;
  country?: string;
  ccpaFlow?: string;
  retention?: string;
  transferSafeguards?: string;
}

/** Describe a destination as a recipient: category, purposes, legal basis, country, sale/sharing, retention. */
export function RecipientForm({ id, name, current, onSaved }: { id: string; name: string; current: RecipientProfile; onSaved: () => void }) {
  const [form, setForm] = useState({
    recipientCategory: current.recipientCategory ?? 'service_provider',
    purposes: current.purposes ?? [],
    legalBasis: current.legalBasis ?? 'consent',
    country: current.country ?? '',
    ccpaFlow: current.ccpaFlow ?? 'none',
    retention: current.retention ?? '',
    transferSafeguards: current.transferSafeguards ?? '',
  });
  const p = `recipient-${id}`;
  const { error, setError, onSubmit } = useFormSubmit(async () => {
    const { transferSafeguards, ...rest } = form;
    await api('PUT', `/api/v1/disclosures/destinations/${id}`, { ...rest, country: rest.country.trim().toUpperCase(), retention: rest.retention.trim(), ...(transferSafeguards.trim() !== '' && { transferSafeguards: transferSafeguards.trim() }) });
    onSaved();
  });
  return (
    <form className="stack" onSubmit={onSubmit} aria-label={`Describe ${name}`}>
      <label htmlFor={`${p}-category`}>Recipient category</label>
      <select id={`${p}-category`} value={form.recipientCategory} onChange={(e) => setForm({ ...form, recipientCategory: e.target.value })}>
        {RECIPIENT_CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {words(c)}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>Purposes</legend>
        {PURPOSES.map((purpose) => (
          <div key={purpose} className="field check">
            <input
              id={`${p}-purpose-${purpose}`}
              type="checkbox"
              checked={form.purposes.includes(purpose)}
              onChange={(e) => setForm({ ...form, purposes: e.target.checked ? [...form.purposes, purpose] : form.purposes.filter((x) => x !== purpose) })}
            />
            <label htmlFor={`${p}-purpose-${purpose}`}>{words(purpose)}</label>
          </div>
        ))}
      </fieldset>
      <label htmlFor={`${p}-basis`}>Legal basis (GDPR Art. 6)</label>
      <select id={`${p}-basis`} value={form.legalBasis} onChange={(e) => setForm({ ...form, legalBasis: e.target.value })}>
        {LEGAL_BASES.map((b) => (
          <option key={b} value={b}>
            {words(b)}
          </option>
        ))}
      </select>
      <label htmlFor={`${p}-country`}>Country (two letters, e.g. US, DE)</label>
      <input id={`${p}-country`} required pattern="[A-Za-z]{2}" maxLength={2} value={form.country} onChange={(e) => setForm({ ...form, country: e.target.value })} />
      <label htmlFor={`${p}-flow`}>Under the CCPA this flow is</label>
      <select id={`${p}-flow`} value={form.ccpaFlow} onChange={(e) => setForm({ ...form, ccpaFlow: e.target.value })}>
        {CCPA_FLOWS.map((f) => (
          <option key={f} value={f}>
            {f === 'none' ? 'neither a sale nor sharing' : f}
          </option>
        ))}
      </select>
      <label htmlFor={`${p}-retention`}>Retention at the recipient</label>
      <input id={`${p}-retention`} required maxLength={200} value={form.retention} onChange={(e) => setForm({ ...form, retention: e.target.value })} placeholder="e.g. 13 months" />
      <label htmlFor={`${p}-safeguards`}>Transfer safeguards (optional)</label>
      <input id={`${p}-safeguards`} maxLength={300} value={form.transferSafeguards} onChange={(e) => setForm({ ...form, transferSafeguards: e.target.value })} placeholder="e.g. EU SCCs 2021/914" />
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <div className="actions">
        <button type="submit" className="primary">
          Save description
        </button>
      </div>
    </form>
  );
}

/** Describe a source: how it collects, and about whom. */
export function SourceProfileForm({ id, name, current, onSaved }: { id: string; name: string; current: { channel: string | null; subjects: string | null }; onSaved: () => void }) {
  const [channel, setChannel] = useState(current.channel ?? 'website');
  const [subjects, setSubjects] = useState(current.subjects ?? '');
  const p = `source-profile-${id}`;
  const { error, setError, onSubmit } = useFormSubmit(async () => {
    await api('PUT', `/api/v1/disclosures/sources/${id}`, { channel, subjects: subjects.trim() });
    onSaved();
  });
  return (
    <form className="stack" onSubmit={onSubmit} aria-label={`Describe ${name}`}>
      <label htmlFor={`${p}-channel`}>Collection channel</label>
      <select id={`${p}-channel`} value={channel} onChange={(e) => setChannel(e.target.value)}>
        {COLLECTION_CHANNELS.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
      <label htmlFor={`${p}-subjects`}>About whom</label>
      <input id={`${p}-subjects`} required maxLength={200} value={subjects} onChange={(e) => setSubjects(e.target.value)} placeholder="e.g. website visitors" />
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <div className="actions">
        <button type="submit" className="primary">
          Save description
        </button>
      </div>
    </form>
  );
}
