import { useState } from 'react';
import { api, type PolicyVersion } from '../api';
import { Can } from '../components/can';
import { useFormSubmit } from '../components/use-form-submit';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { TableHead } from '../components/table-head';
import { useCan } from '../permissions';

/** Who accepted one policy version, loaded when asked. */
function Acceptances({ policy }: { policy: PolicyVersion }) {
  const list = useAsync(() => api<{ acceptances: { memberId: string; acceptedAt: string }[] }>('GET', `/api/v1/policy-versions/${policy.id}/acceptances`), [policy.id]);
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <p className="muted">Loading…</p>;
  if (list.data.acceptances.length === 0) return <p className="muted">Nobody has accepted this version yet.</p>;
  return (
    <ul>
      {list.data.acceptances.map((a) => (
        <li key={a.memberId}>
          <code>{a.memberId}</code> on {new Date(a.acceptedAt).toLocaleString()}
        </li>
      ))}
    </ul>
  );
}

/** The workspace's privacy policy: publish versions (text or URL); a material one is shown to every member at next login. */
export function PoliciesPage() {
  const list = useAsync(() => api<{ versions: PolicyVersion[]; inForce?: PolicyVersion }>('GET', '/api/v1/policy-versions'), []);
  const [draft, setDraft] = useState({ title: 'Privacy policy', url: '', text: '', effective: '', material: false });
  const [published, setPublished] = useState<PolicyVersion | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const { error, setError, onSubmit: publish } = useFormSubmit(async () => {
    setPublished(null);
    const policy = await api<PolicyVersion>('POST', '/api/v1/policy-versions', {
      title: draft.title.trim(),
      ...(draft.url.trim() !== '' && { url: draft.url.trim() }),
      ...(draft.text.trim() !== '' && { text: draft.text }),
      ...(draft.effective !== '' && { effectiveAt: new Date(draft.effective).toISOString() }),
      material: draft.material,
    });
    setPublished(policy);
    setDraft({ ...draft, url: '', text: '', effective: '', material: false });
    list.reload();
  });

  const inForce = list.data?.inForce;
  // Every role reads the versions (account:self); who accepted them is privacy data (privacy:read).
  const seeAcceptances = useCan()('privacy:read');
  return (
    <section aria-labelledby="policies-title">
      <h1 id="policies-title">Privacy policy</h1>
      <div className="card" aria-label="Policy in force" role="region">
        <h2>In force</h2>
        {inForce ? (
          <p>
            <strong>
              {inForce.title} v{inForce.version}
            </strong>
            , since {new Date(inForce.effectiveAt).toLocaleDateString()}
            {inForce.url && (
              <>
                {' '}
                · <a href={inForce.url}>{inForce.url}</a>
              </>
            )}
          </p>
        ) : (
          <p className="muted">No version published yet.</p>
        )}
      </div>
      <Can permission="privacy:write">
        <form className="card stack" onSubmit={publish} aria-labelledby="publish-title">
          <h2 id="publish-title">Publish a new version</h2>
          <label htmlFor="policy-title">Title</label>
          <input id="policy-title" required maxLength={200} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
          <label htmlFor="policy-url">URL of the published policy</label>
          <input id="policy-url" type="url" value={draft.url} onChange={(e) => setDraft({ ...draft, url: e.target.value })} placeholder="https://example.com/privacy" />
          <label htmlFor="policy-text">Or its text</label>
          <textarea id="policy-text" rows={4} value={draft.text} onChange={(e) => setDraft({ ...draft, text: e.target.value })} />
          <label htmlFor="policy-effective">Effective from (empty: now)</label>
          <input id="policy-effective" type="datetime-local" value={draft.effective} onChange={(e) => setDraft({ ...draft, effective: e.target.value })} />
          <div className="field check">
            <input id="policy-material" type="checkbox" checked={draft.material} onChange={(e) => setDraft({ ...draft, material: e.target.checked })} />
            <label htmlFor="policy-material">Material change: every member must accept it at their next login</label>
          </div>
          <ErrorBox error={error} onDismiss={() => setError(null)} />
          {published && (
            <p className="notice" role="status">
              Published version {published.version}.
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary">
              Publish
            </button>
          </div>
        </form>
      </Can>
      <ErrorBox error={list.error} />
      {list.data && list.data.versions.length > 0 && (
        <table className="table" aria-label="Published versions">
          <TableHead columns={['Version', 'Title', 'Effective', 'Material', 'Published', ...(seeAcceptances ? ['Accepted by'] : [])]} />
          <tbody>
            {list.data.versions.map((v) => (
              <tr key={v.id}>
                <td>v{v.version}</td>
                <td>{v.url ? <a href={v.url}>{v.title}</a> : v.title}</td>
                <td>{new Date(v.effectiveAt).toLocaleString()}</td>
                <td>{v.material ? 'yes' : 'no'}</td>
                <td>{new Date(v.publishedAt).toLocaleString()}</td>
                {seeAcceptances && (
                  <td>
                    {open === v.id ? (
                      <Acceptances policy={v} />
                    ) : (
                      <button type="button" onClick={() => setOpen(v.id)} aria-label={`Who accepted v${v.version}`}>
                        Show
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
