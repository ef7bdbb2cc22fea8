import { Fragment, useEffect, useState, type ReactNode } from 'react';
import type { BannerLanguage } from '../../../src/core/consent/banner-texts.js';
import { CATEGORY_ID } from '../../../src/core/consent/validate-categories.js';
import { api } from '../api';
import { Can } from '../components/can';
import { ConfirmPrompt } from '../components/confirm';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';
import { CategoryTranslationsEditor, cleanTranslations, languageName, translationFieldId, translationProblems, type Translations } from './category-translations';

interface Category {
  id: string;
  name: string;
  description?: string;
  required?: boolean;
  gpc?: boolean;
  /** The banner's wording of the category in other languages, by ISO 639-1 code. */
  translations?: Translations;
}

interface PrivacySettings {
  consentModel: 'opt-in' | 'opt-out';
  dnt: 'ignore' | 'as-gpc';
  ageThreshold: number;
  eventRetentionDays: number | null;
  ipRetentionDays: number | null;
  policyVersion: string | null;
  deletionForwarding: 'all' | 'recipients';
}

const RETENTION = [30, 90, 180, 365, 1095] as const;

type CategoryField = 'id' | 'name' | 'description' | 'required' | 'translation';
/** A problem with one field of one row, said as the table says it ("Category 5"); a translation's names its language. */
interface CategoryProblem {
  index: number;
  field: CategoryField;
  language?: BannerLanguage;
  message: string;
}

/** The API's rules for categories, checked before sending so the row and field can be pointed at. */
export function categoryProblems(categories: readonly Category[]): CategoryProblem[] {
  const problems: CategoryProblem[] = [];
  const seen = new Map<string, number>();
  categories.forEach((c, index) => {
    const row = `Category ${index + 1}`;
    const id = c.id.trim();
    const name = c.name.trim();
    if (id === '') problems.push({ index, field: 'id', message: `${row}: enter an id, a short key such as marketing (letters, digits, "_" or "-").` });
    else if (!CATEGORY_ID.test(id)) problems.push({ index, field: 'id', message: `${row}: the id "${id}" may hold only letters, digits, "_" and "-", start with a letter or digit, and be at most 64 long.` });
    if (name === '') problems.push({ index, field: 'name', message: `${row}: enter a name (what the banner shows).` });
    else if (name.length > 200) problems.push({ index, field: 'name', message: `${row}: the name is ${name.length} characters; at most 200.` });
    if ((c.description ?? '').trim().length > 2000) problems.push({ index, field: 'description', message: `${row}: the description is over 2,000 characters.` });
    if (c.required && c.gpc) problems.push({ index, field: 'required', message: `${row}: a required category cannot be denied by GPC; untick one of the two.` });
    for (const p of translationProblems(row, c.translations)) problems.push({ index, field: 'translation', ...p });
    for (const key of new Set([id.toLowerCase(), name.toLowerCase()])) {
      if (key === '') continue;
      const other = seen.get(key);
      if (other !== undefined && other !== index) problems.push({ index, field: key === id.toLowerCase() ? 'id' : 'name', message: `${row}: "${key}" is already the id or name of category ${other + 1}; ids and names must differ (ignoring case).` });
      else seen.set(key, index);
    }
  });
  if (categories.length > 50) problems.push({ index: 50, field: 'id', message: `At most 50 categories; there are ${categories.length}.` });
  return problems;
}

const retentionText = (days: number | null) => (days === null ? 'forever' : `${days} days`);

/** What saving these settings does that cannot be taken back or that changes what reaches destinations. */
function settingConsequences(before: PrivacySettings, after: PrivacySettings): ReactNode[] {
  const out: ReactNode[] = [];
  const lowered = after.eventRetentionDays !== null && (before.eventRetentionDays === null || after.eventRetentionDays < before.eventRetentionDays);
  if (lowered) {
    out.push(
      <>
        Keep events: {retentionText(before.eventRetentionDays)} → {retentionText(after.eventRetentionDays)}. At the next retention sweep, stored events older than{' '}
        {after.eventRetentionDays} days are <strong>deleted for good</strong>, with their delivery-log rows.
      </>,
    );
  }
  if (before.consentModel === 'opt-in' && after.consentModel === 'opt-out') {
    out.push(
      <>
        Consent model: opt-in → opt-out. Visitors who have made no choice count as <strong>consenting to every optional category</strong>: their events
        reach the destinations that require consent, and the banner loads analytics.js before anyone chooses.
      </>,
    );
  }
  return out;
}

/** Consent categories (what the banner shows and destinations map to) and the workspace's privacy settings. */
export function ConsentSettingsPage() {
  const loadedCategories = useAsync(() => api<Category[]>('GET', '/api/v1/consent/categories'), []);
  const loadedSettings = useAsync(() => api<PrivacySettings>('GET', '/api/v1/privacy/settings'), []);
  const [categories, setCategories] = useState<Category[] | undefined>(undefined);
  const [settings, setSettings] = useState<PrivacySettings | undefined>(undefined);
  // As last loaded or saved: what a change is compared with.
  const [savedSettings, setSavedSettings] = useState<PrivacySettings | undefined>(undefined);
  const [problems, setProblems] = useState<CategoryProblem[]>([]);
  const [ageProblem, setAgeProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<ReactNode[] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // The category whose translations are open for editing (one at a time).
  const [translating, setTranslating] = useState<number | null>(null);

  useEffect(() => setCategories(loadedCategories.data), [loadedCategories.data]);
  useEffect(() => {
    setSettings(loadedSettings.data);
    setSavedSettings(loadedSettings.data);
  }, [loadedSettings.data]);

  const update = (index: number, patch: Partial<Category>) => setCategories((list) => list?.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  // While a save is out (`busy`), its card cannot be edited: the answer replaces the form, which would undo an edit made meanwhile.
  const categoriesSave = useFormSubmit(async () => {
    const clean = (categories ?? []).map((c) => {
      const translations = cleanTranslations(c.translations);
      return {
        id: c.id.trim(),
        name: c.name.trim(),
        ...(c.description && c.description.trim() !== '' ? { description: c.description.trim() } : {}),
        ...(c.required ? { required: true } : {}),
        ...(c.gpc ? { gpc: true } : {}),
        ...(translations ? { translations } : {}),
      };
    });
    setCategories(await api<Category[]>('PUT', '/api/v1/consent/categories', clean));
    setSaved('Categories saved: the banner and every event accepted from now on use them.');
  });
  const settingsSave = useFormSubmit(async () => {
    if (!settings) return;
    setConfirming(null);
    const { consentModel, dnt, ageThreshold, eventRetentionDays, policyVersion, deletionForwarding } = settings;
    const answer = await api<PrivacySettings>('PATCH', '/api/v1/privacy/settings', { consentModel, dnt, ageThreshold, eventRetentionDays, policyVersion: policyVersion === '' ? null : policyVersion, deletionForwarding });
    setSettings(answer);
    setSavedSettings(answer);
    setSaved('Privacy settings saved.');
  });
  // Checked before the save starts: a problem focuses its field, which a locked card could not keep.
  const checkAndSaveCategories = () => {
    categoriesSave.setError(null);
    setSaved(null);
    const found = categoryProblems(categories ?? []);
    setProblems(found);
    if (found.length > 0) {
      const first = found[0]!;
      if (first.language) {
        // The language's field is in the category's translations row, which may be closed: open it, then focus.
        setTranslating(first.index);
        const fieldId = translationFieldId(first.index, first.language);
        requestAnimationFrame(() => document.getElementById(fieldId)?.focus());
      } else document.getElementById(`category-${first.index}-${first.field}`)?.focus();
      return;
    }
    categoriesSave.run();
  };
  const checkAndSaveSettings = () => {
    if (!settings || !savedSettings) return;
    settingsSave.setError(null);
    setSaved(null);
    if (!Number.isInteger(settings.ageThreshold) || settings.ageThreshold < 13 || settings.ageThreshold > 16) {
      setAgeProblem('Children are under: enter a whole number from 13 to 16 (the age of digital consent, GDPR Art. 8).');
      document.getElementById('age')?.focus();
      return;
    }
    setAgeProblem(null);
    const consequences = settingConsequences(savedSettings, settings);
    if (consequences.length > 0) setConfirming(consequences);
    else settingsSave.run();
  };
  const problemOf = (index: number, field: CategoryField) => problems.find((p) => p.index === index && p.field === field);
  /** The props that mark a field wrong and point at the message saying why. */
  const invalid = (index: number, field: CategoryField) => {
    const problem = problemOf(index, field);
    return { id: `category-${index}-${field}`, ...(problem ? { 'aria-invalid': true as const, 'aria-describedby': 'category-problems' } : {}) };
  };

  return (
    <section aria-labelledby="consent-title">
      <h1 id="consent-title">Consent and privacy</h1>
      {saved && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}
      {/* Both cards show the current values; changing them needs privacy:write. */}
      <Can permission="privacy:write" otherwise="disable">
        <div className="card">
          <h2>Consent categories</h2>
          <p className="muted">
            The consent banner (<code>/consent.js</code>) shows these; a destination mapped to categories receives an event only when all are granted. <em>GPC</em>{' '}
            categories are denied when the browser sends a Global Privacy Control signal.
          </p>
          <ErrorBox error={loadedCategories.error} />
          {categories && (
            <fieldset className="read-only" disabled={categoriesSave.busy} aria-busy={categoriesSave.busy}>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">id</th>
                    <th scope="col">Name</th>
                    <th scope="col">Description</th>
                    <th scope="col">Required</th>
                    <th scope="col">GPC</th>
                    <th scope="col">Translations</th>
                    <th scope="col">
                      <span className="sr-only">Remove</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {categories.map((c, i) => (
                    <Fragment key={i}>
                      <tr>
                        <td>
                          <input aria-label={`Category ${i + 1} id`} {...invalid(i, 'id')} value={c.id} onChange={(e) => update(i, { id: e.target.value })} />
                        </td>
                        <td>
                          <input aria-label={`Category ${i + 1} name`} {...invalid(i, 'name')} value={c.name} onChange={(e) => update(i, { name: e.target.value })} />
                        </td>
                        <td>
                          <input aria-label={`Category ${i + 1} description`} {...invalid(i, 'description')} value={c.description ?? ''} onChange={(e) => update(i, { description: e.target.value })} className="wide" />
                        </td>
                        <td>
                          <input type="checkbox" aria-label={`Category ${i + 1} required`} {...invalid(i, 'required')} checked={c.required === true} onChange={(e) => update(i, { required: e.target.checked })} />
                        </td>
                        <td>
                          <input type="checkbox" aria-label={`Category ${i + 1} denied by GPC`} checked={c.gpc === true} onChange={(e) => update(i, { gpc: e.target.checked })} />
                        </td>
                        <td>
                          <span aria-label={`Category ${i + 1} translations`}>
                            {Object.entries(cleanTranslations(c.translations) ?? {}).map(([language, t]) => (
                              <abbr key={language} title={`${languageName(language)}: ${t.description ? `${t.name}: ${t.description}` : t.name}`} className="badge">
                                {language}
                              </abbr>
                            ))}
                            {!cleanTranslations(c.translations) && <span className="muted">none</span>}
                          </span>{' '}
                          <button type="button" aria-expanded={translating === i} aria-label={`${translating === i ? 'Close' : 'Edit'} the translations of category ${i + 1}`} onClick={() => setTranslating(translating === i ? null : i)}>
                            {translating === i ? 'Close' : 'Translate'}
                          </button>
                        </td>
                        <td>
                          <button
                            type="button"
                            onClick={() => {
                              setTranslating(null);
                              setCategories((list) => list?.filter((_, j) => j !== i));
                            }}
                            aria-label={`Remove category ${c.name || i + 1}`}
                          >
                            Remove
                          </button>
                        </td>
                      </tr>
                      {translating === i && (
                        <tr>
                          <td colSpan={7}>
                            <CategoryTranslationsEditor
                              index={i}
                              categoryName={c.name}
                              translations={c.translations}
                              onChange={(translations) => update(i, { translations })}
                              invalidLanguages={new Set(problems.filter((p) => p.index === i && p.language).map((p) => p.language!))}
                            />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
              <p className="muted">
                The banner speaks English, German, French, Spanish, Italian, Dutch and Portuguese, in the visitor's browser language or the one the site's tag names
                (<code>&amp;lang=de</code>). <em>Translate</em> sets a category's name and description in those languages (hover a language to read it); in a language
                without one, the banner shows the category as written here.
              </p>
            </fieldset>
          )}
          {problems.length > 0 && (
            <div className="error" role="alert" id="category-problems">
              <span>
                Not saved; fix these first:
                <ul className="flags">
                  {problems.map((p) => (
                    <li key={`${p.index}-${p.field}-${p.message}`}>{p.message}</li>
                  ))}
                </ul>
              </span>
            </div>
          )}
          <ErrorBox error={categoriesSave.error} onDismiss={() => categoriesSave.setError(null)} />
          <div className="actions">
            <button type="button" onClick={() => setCategories((list) => [...(list ?? []), { id: '', name: '' }])} disabled={categoriesSave.busy}>
              Add category
            </button>
            <button type="button" className="primary" onClick={checkAndSaveCategories} disabled={!categories || categoriesSave.busy}>
              {categoriesSave.busy ? 'Saving…' : 'Save categories'}
            </button>
          </div>
        </div>
        <div className="card">
          <h2>Privacy settings</h2>
          <ErrorBox error={loadedSettings.error} />
          {settings && (
            <fieldset className="read-only" disabled={settingsSave.busy} aria-busy={settingsSave.busy}>
              <div className="filters">
                <div className="field">
                  <label htmlFor="model">Consent model</label>
                  <select id="model" value={settings.consentModel} onChange={(e) => setSettings({ ...settings, consentModel: e.target.value === 'opt-out' ? 'opt-out' : 'opt-in' })}>
                    <option value="opt-in">opt-in (nothing optional until chosen)</option>
                    <option value="opt-out">opt-out (granted until refused)</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="dnt">Do Not Track</label>
                  <select id="dnt" value={settings.dnt} onChange={(e) => setSettings({ ...settings, dnt: e.target.value === 'as-gpc' ? 'as-gpc' : 'ignore' })}>
                    <option value="ignore">ignore</option>
                    <option value="as-gpc">treat as GPC</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="age">Children are under</label>
                  <input
                    id="age"
                    type="number"
                    min={13}
                    max={16}
                    value={Number.isNaN(settings.ageThreshold) ? '' : settings.ageThreshold}
                    onChange={(e) => setSettings({ ...settings, ageThreshold: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
                    aria-invalid={ageProblem !== null}
                    aria-describedby="age-hint"
                  />
                  <span className={ageProblem ? 'field-error' : 'hint'} id="age-hint" role={ageProblem ? 'alert' : undefined}>
                    {ageProblem ?? '13 to 16'}
                  </span>
                </div>
                <div className="field">
                  <label htmlFor="retention">Keep events</label>
                  <select id="retention" value={settings.eventRetentionDays ?? ''} onChange={(e) => setSettings({ ...settings, eventRetentionDays: e.target.value === '' ? null : Number(e.target.value) })}>
                    {RETENTION.map((d) => (
                      <option key={d} value={d}>
                        {d} days
                      </option>
                    ))}
                    <option value="">forever</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="deletion-forwarding">Forward deletions to</label>
                  <select
                    id="deletion-forwarding"
                    value={settings.deletionForwarding}
                    onChange={(e) => setSettings({ ...settings, deletionForwarding: e.target.value === 'recipients' ? 'recipients' : 'all' })}
                    aria-describedby="deletion-forwarding-hint"
                  >
                    <option value="all">every destination that can delete</option>
                    <option value="recipients">only destinations that received the person&apos;s data</option>
                  </select>
                  <span className="hint" id="deletion-forwarding-hint">
                    Others are not told the person&apos;s identifiers; every destination is told when retention has removed events since the person was first seen.
                  </span>
                </div>
                <div className="field">
                  <label htmlFor="policy">Privacy policy version</label>
                  <input id="policy" value={settings.policyVersion ?? ''} onChange={(e) => setSettings({ ...settings, policyVersion: e.target.value })} placeholder="e.g. 2026-11" aria-describedby="policy-hint" />
                  <span className="hint" id="policy-hint">
                    Recorded with each consent choice. A new version makes the consent banner ask visitors again (under opt-in, nothing optional is granted until they answer).
                  </span>
                </div>
              </div>
            </fieldset>
          )}
          <ErrorBox error={settingsSave.error} onDismiss={() => settingsSave.setError(null)} />
          {confirming ? (
            <ConfirmPrompt label="Confirm the privacy settings change" confirmLabel="Save these changes" onConfirm={settingsSave.run} onCancel={() => setConfirming(null)}>
              Saving changes what happens to people's data:
              <ul>
                {confirming.map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
              </ul>
            </ConfirmPrompt>
          ) : (
            <div className="actions">
              <button type="button" id="save-settings" className="primary" onClick={checkAndSaveSettings} disabled={!settings || settingsSave.busy}>
                {settingsSave.busy ? 'Saving…' : 'Save settings'}
              </button>
            </div>
          )}
        </div>
      </Can>
    </section>
  );
}
