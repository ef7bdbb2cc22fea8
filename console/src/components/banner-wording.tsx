/** A consent banner wording as the proof of consent keeps it (GET /api/v1/profiles/:identifier/consent `banners`). */
export interface BannerWording {
  version: string;
  firstServedAt: string;
  content: {
    text: Record<string, string>;
    categories: { id: string; name: string; description: string | null; required: boolean; gpc: boolean }[];
    policyVersion: string | null;
  };
}

/**
 * What the person was shown when they made a choice (GDPR Art. 7(1)): the banner's title, text, categories as
 * listed and buttons, folded under the choice. The version is the SHA-256 of the wording Sluice served.
 */
export function BannerWordingDetails({ version, banner }: { version: string; banner: BannerWording | undefined }) {
  if (!banner) {
    return <div className="muted">Banner version {version.slice(0, 12)}: its wording is not on record.</div>;
  }
  const { text, categories, policyVersion } = banner.content;
  return (
    <details className="banner-wording" data-banner-version={version}>
      <summary>
        What the banner showed (version <code title={version}>{version.slice(0, 12)}</code>
        {policyVersion ? `, policy ${policyVersion}` : ''}, first served {new Date(banner.firstServedAt).toLocaleString()})
      </summary>
      <div className="banner-wording-body">
        <strong>{text.title}</strong>
        <p>{text.intro}</p>
        <ul>
          {categories.map((c) => (
            <li key={c.id}>
              <strong>{c.name}</strong>
              {c.required ? text.alwaysOn : ''}
              {c.gpc ? <span className="muted"> (off when the browser sends GPC)</span> : null}
              {c.description ? <div className="muted">{c.description}</div> : null}
            </li>
          ))}
        </ul>
        <p className="muted">
          Buttons: {text.rejectAll} · {text.acceptAll} · {text.save}. Shown when asking again: “{(text.policyChanged ?? '').replace('{version}', policyVersion ?? '')}” / “{text.newCategories}”.
        </p>
      </div>
    </details>
  );
}
