/**
 * True when a public URL names no address a browser can use, so the address the browser used to reach this
 * server stands in for it: port 0 (PORT=0, ephemeral runs), or the wildcard address the server listens on
 * (HOST=0.0.0.0 or ::, as in a container), both what the default `http://HOST:PORT` gives without
 * SLUICE_PUBLIC_URL. A browser sent to 0.0.0.0 reaches nothing on Windows or another machine, and Chrome
 * blocks it from public sites.
 */
export function unreachablePublicUrl(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  return url.port === '0' || url.hostname === '0.0.0.0' || url.hostname === '[::]';
}
