import { useEffect, useState } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';

interface Category {
  id: string;
  name: string;
  description?: string;
  required?: boolean;
  gpc?: boolean;
}

interface PrivacySettings {
  consentModel: 'opt-in' | 'opt-out';
  dnt: 'ignore' | 'as-gpc';
  ageThreshold: number;
  eventRetentionDays: number | null;
  ipRetentionDays: number | null;
  policyVersion: string | null;
}

const RETENTION = [30, 90, 180, 365, 1095] as const;

/** Consent categories (what the banner shows and destinations map to) and the workspace's privacy settings. */
export function ConsentSettingsPage() {
  const loadedCategories = useAsync(() => api<Category[]>('GET', '/api/v1/consent/categories'), []);
  const loadedSettings = useAsync(() => api<PrivacySettings>('GET', '/api/v1/privacy/settings'), []);
  const [categories, setCategories] = useState<Category[] | undefined>(undefined);
  const [settings, setSettings] = useState<PrivacySettings | undefined>(undefined);
  const [categoriesError, setCategoriesError] = useState<unknown>(null);
  const [settingsError, setSettingsError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => setCategories(loadedCategories.data), [loadedCategories.data]);
  useEffect(() => setSettings(loadedSettings.data), [loadedSettings.data]);

  const update = (index: number, patch: Partial<Category>) => setCategories((list) => list?.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  const saveCategories = async () => {
    setCategoriesError(null);
    setSaved(null);
    try {
      const clean = (categories ?? []).map((c) => ({
        id: c.id.trim(),
        name: c.name.trim(),
        ...(c.description && c.description.trim() !== '' ? { description: c.description.trim() } : {}),
        ...(c.required ? { required: true } : {}),
        ...(c.gpc ? { gpc: true } : {}),
      }));
      setCategories(await api<Category[]>('PUT', '/api/v1/consent/categories', clean));
      setSaved('Categories saved: the banner and every event accepted from now on use them.');
    } catch (failure) {
      setCategoriesError(failure);
    }
  };
  const saveSettings = async () => {
    if (!settings) return;
    setSettingsError(null);
    setSaved(null);
    try {
      const { consentModel, dnt, ageThreshold, eventRetentionDays, policyVersion } = settings;
      setSettings(await api<PrivacySettings>('PATCH', '/api/v1/privacy/settings', { consentModel, dnt, ageThreshold, eventRetentionDays, policyVersion: policyVersion === '' ? null : policyVersion }));
      setSaved('Privacy settings saved.');
    } catch (failure) {
      setSettingsError(failure);
    }
  };

  return (
    <section aria-labelledby="consent-title">
      <h1 id="consent-title">Consent and privacy</h1>
      {saved && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}
      <div className="card">
        <h2>Consent categories</h2>
        <p className="muted">
          The consent banner (<code>/consent.js</code>) shows these; a destination mapped to categories receives an event only when all are granted. <em>GPC</em>{' '}
          categories are denied when the browser sends a Global Privacy Control signal.
        </p>
        <ErrorBox error={loadedCategories.error} />
        {categories && (
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">id</th>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Required</th>
                <th scope="col">GPC</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {categories.map((c, i) => (
                <tr key={i}>
                  <td>
                    <input aria-label={`Category ${i + 1} id`} value={c.id} onChange={(e) => update(i, { id: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={`Category ${i + 1} name`} value={c.name} onChange={(e) => update(i, { name: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={`Category ${i + 1} description`} value={c.description ?? ''} onChange={(e) => update(i, { description: e.target.value })} className="wide" />
                  </td>
                  <td>
                    <input type="checkbox" aria-label={`Category ${i + 1} required`} checked={c.required === true} onChange={(e) => update(i, { required: e.target.checked })} />
                  </td>
                  <td>
                    <input type="checkbox" aria-label={`Category ${i + 1} denied by GPC`} checked={c.gpc === true} onChange={(e) => update(i, { gpc: e.target.checked })} />
                  </td>
                  <td>
                    <button type="button" onClick={() => setCategories((list) => list?.filter((_, j) => j !== i))} aria-label={`Remove category ${c.name || i + 1}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ErrorBox error={categoriesError} onDismiss={() => setCategoriesError(null)} />
        <div className="actions">
          <button type="button" onClick={() => setCategories((list) => [...(list ?? []), { id: '', name: '' }])}>
            Add category
          </button>
          <button type="button" className="primary" onClick={() => void saveCategories()} disabled={!categories}>
            Save categories
          </button>
        </div>
      </div>
      <div className="card">
        <h2>Privacy settings</h2>
        <ErrorBox error={loadedSettings.error} />
        {settings && (
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
              <input id="age" type="number" min={13} max={16} value={settings.ageThreshold} onChange={(e) => setSettings({ ...settings, ageThreshold: Number(e.target.value) })} />
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
              <label htmlFor="policy">Privacy policy version</label>
              <input id="policy" value={settings.policyVersion ?? ''} onChange={(e) => setSettings({ ...settings, policyVersion: e.target.value })} placeholder="e.g. 2026-11" />
            </div>
          </div>
        )}
        <ErrorBox error={settingsError} onDismiss={() => setSettingsError(null)} />
        <div className="actions">
          <button type="button" className="primary" onClick={() => void saveSettings()} disabled={!settings}>
            Save settings
          </button>
        </div>
      </div>
    </section>
  );
}
