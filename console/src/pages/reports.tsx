import { useState } from 'react';
import { api, download } from '../api';
import { Can } from '../components/can';
import { DataFlowDiagram, type FlowNode } from '../components/data-flow-diagram';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useAsync } from '../components/use-async';
import { RecipientForm, SourceProfileForm, type RecipientProfile } from './disclosure-forms';
import { RequestMetricsCard } from './request-metrics-card';
import { TableHead } from '../components/table-head';

interface CategoryFields {
  category: string;
  label: string;
  fields: string[];
  withheldByDefault: boolean;
}

/** GET /api/v1/reports/data-map (src/privacy/reports/data-map-report.ts). */
interface DataMap {
  generatedAt: string;
  configVersion: string;
  sources: { id: string; name: string; channel: string | null; subjects: string | null; categories: CategoryFields[] }[];
  destinations: ({ id: string; name: string; type: string; enabled: boolean; receivesFrom: string[]; consentCategories: string[] | null; categories: CategoryFields[] } & RecipientProfile)[];
  flows: { sourceId: string; destinationId: string; categories: string[] }[];
  gaps: { resourceType: 'source' | 'destination'; id: string; name: string; problem: string }[];
}

interface Flag {
  resourceType: 'source' | 'destination';
  id: string;
  name: string;
  problem: string;
}

/**
 * What needs attention before the disclosures can be trusted: the report's gaps (no purpose, legal basis,
 * recipient category, channel) plus destinations that receive personal data without any consent category.
 */
export function flagsOf(map: DataMap): Flag[] {
  const flags: Flag[] = map.gaps.map((g) => ({ ...g }));
  for (const d of map.destinations) {
    if (d.enabled && d.consentCategories === null && d.categories.length > 0) {
      flags.push({ resourceType: 'destination', id: d.id, name: d.name, problem: 'receives personal data without requiring any consent category' });
    }
  }
  return flags;
}

const DOWNLOADS = [
  { kind: 'ccpa', format: 'md', label: 'CCPA chart (Markdown)' },
  { kind: 'ccpa', format: 'html', label: 'CCPA chart (HTML)' },
  { kind: 'ropa', format: 'md', label: 'GDPR Art. 30 record (Markdown)' },
  { kind: 'ropa', format: 'html', label: 'GDPR Art. 30 record (HTML)' },
  { kind: 'data-map', format: 'json', label: 'Data map (JSON)' },
] as const;

/** Disclosures generated from the live system: the data-flow diagram, what needs attention, and the downloads. */
export function ReportsPage() {
  const report = useAsync(() => api<DataMap>('GET', '/api/v1/reports/data-map'), []);
  const [error, setError] = useState<unknown>(null);
  const map = report.data;
  const flags = map ? flagsOf(map) : [];
  const flagged = new Set(flags.map((f) => `${f.resourceType}:${f.id}`));
  const labels = new Map<string, string>();
  for (const c of [...(map?.sources ?? []), ...(map?.destinations ?? [])].flatMap((x) => x.categories)) labels.set(c.category, c.label);
  const label = (category: string) => labels.get(category) ?? category.replace(/_/g, ' ');

  /** "Customer records (Cal. Civ. Code 1798.80(e))" reads as "Customer records" in the picture. */
  const short = (c: CategoryFields) => c.label.replace(/\s*\(.*\)$/, '');
  const sources: FlowNode[] = (map?.sources ?? []).map((s) => ({ id: s.id, name: s.name, categories: s.categories.map(short), flagged: flagged.has(`source:${s.id}`) }));
  const destinations: FlowNode[] = (map?.destinations ?? []).map((d) => ({
    id: d.id,
    name: d.name,
    categories: d.categories.map(short),
    flagged: flagged.has(`destination:${d.id}`),
    disabled: !d.enabled,
  }));
  const names = new Map([...(map?.sources ?? []), ...(map?.destinations ?? [])].map((x) => [x.id, x.name]));

  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <p className="muted">
        Generated from the live configuration and the personal data actually observed (PII inventory).
        {map && ` Generated ${new Date(map.generatedAt).toLocaleString()}, configuration ${map.configVersion}.`}{' '}
        <button type="button" className="link-button" onClick={report.reload}>
          Regenerate
        </button>
      </p>
      <div className="actions" role="group" aria-label="Downloads">
        {DOWNLOADS.map((d) => (
          <button key={`${d.kind}-${d.format}`} type="button" onClick={() => void download(`/api/v1/reports/${d.kind}?format=${d.format}`, `${d.kind}.${d.format}`).catch(setError)}>
            {d.label}
          </button>
        ))}
      </div>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      <ErrorBox error={report.error} />
      {map && (
        <>
          <section className="card" aria-labelledby="attention-title">
            <h2 id="attention-title">Needs attention</h2>
            {flags.length === 0 ? (
              <p className="notice">Every source and destination is described; the disclosures are complete.</p>
            ) : (
              <ul className="flags" aria-label="Gaps">
                {flags.map((f, i) => (
                  <li key={i}>
                    <span className="badge off">{f.resourceType}</span> <strong>{f.name}</strong>: {f.problem}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="flow-title">
            <h2 id="flow-title">Data flow</h2>
            <DataFlowDiagram sources={sources} destinations={destinations} />
            <table className="table compact" aria-label="Flows">
              <TableHead columns={['From source', 'To destination', 'Personal data categories', 'Purposes', 'Legal basis']} />
              <tbody>
                {map.flows.map((f) => {
                  const d = map.destinations.find((x) => x.id === f.destinationId);
                  return (
                    <tr key={`${f.sourceId}-${f.destinationId}`}>
                      <td>{names.get(f.sourceId)}</td>
                      <td>
                        <Link to={`/destinations/${f.destinationId}`}>{names.get(f.destinationId)}</Link>
                      </td>
                      <td>{f.categories.length > 0 ? f.categories.map(label).join(', ') : <span className="muted">none seen</span>}</td>
                      <td>{d?.purposes?.map((p) => p.replace(/_/g, ' ')).join(', ') ?? <span className="muted">not described</span>}</td>
                      <td>{d?.legalBasis?.replace(/_/g, ' ') ?? <span className="muted">not described</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
          <section className="card" aria-labelledby="describe-title">
            <h2 id="describe-title">Describe sources and recipients</h2>
            <p className="hint">What a privacy policy must say about each one. The reports use it; a missing description is a gap above.</p>
            {/* The descriptions stay readable; saving one needs privacy:write. */}
            <Can permission="privacy:write" otherwise="disable">
              {map.destinations.map((d) => (
                <details key={d.id} className="describe">
                  <summary>
                    Describe {d.name} {flagged.has(`destination:${d.id}`) && <span className="badge off">gap</span>}
                  </summary>
                  <RecipientForm id={d.id} name={d.name} current={d} onSaved={report.reload} />
                </details>
              ))}
              {map.sources.map((s) => (
                <details key={s.id} className="describe">
                  <summary>
                    Describe {s.name} {flagged.has(`source:${s.id}`) && <span className="badge off">gap</span>}
                  </summary>
                  <SourceProfileForm id={s.id} name={s.name} current={s} onSaved={report.reload} />
                </details>
              ))}
            </Can>
          </section>
        </>
      )}
      <RequestMetricsCard />
    </section>
  );
}
