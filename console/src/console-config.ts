import { useEffect, useState } from 'react';

let cached: Promise<{ publicUrl: string }> | undefined;

/** SLUICE_PUBLIC_URL as the server knows it (served at /console/config.json), for snippets. */
export function usePublicUrl(): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    cached ??= fetch('/console/config.json')
      .then((r) => (r.ok ? (r.json() as Promise<{ publicUrl: string }>) : { publicUrl: window.location.origin }))
      .catch(() => ({ publicUrl: window.location.origin }));
    void cached.then((c) => setUrl(c.publicUrl));
  }, []);
  return url;
}
