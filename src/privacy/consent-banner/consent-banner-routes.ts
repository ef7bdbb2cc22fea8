import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { sendMaybeGzipped } from '../../http/gzip-reply.js';
import { sendScriptError } from '../../http/script-error-reply.js';
import { browserPublicUrl } from '../../http/browser-public-url.js';
import type { SourceResolver } from '../../ingest/source-resolver.js';
import type { ConsentRepository, WorkspaceRepository } from '../../store/store.js';
import { BANNER_LANGUAGES } from '../../core/consent/banner-texts.js';
import { bannerSettingsFrom, type BannerConfig } from './banner-config.js';
import { bannerLanguageFor } from './banner-language.js';
import { consentBannerRuntime } from './banner-runtime.js';
import { BannerVersions } from './banner-versions.js';

export interface ConsentBannerDeps {
  sources: SourceResolver;
  workspaces: WorkspaceRepository;
  /** Where each banner wording served is kept (proof of consent). */
  consent: Pick<ConsentRepository, 'rememberBanner'>;
  publicUrl: string;
}

/** The cookie name the banner stores the visitor's choice in. */
export const CONSENT_COOKIE = 'sluice_consent';

const RUNTIME = consentBannerRuntime.toString();

/** The script served at /consent.js: the banner runtime called with the source's inlined configuration. */
export function consentScript(config: BannerConfig): string {
  // JSON inside a <script> context: escape "<" so a category description can never close the tag.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `/* Sluice consent banner */\n(${RUNTIME})(${json});\n`;
}

/**
 * Public, browser-facing consent routes: `GET /consent.js?writeKey=...` (the banner, with the workspace's
 * categories and model inlined) and `GET /v1/consent/:writeKey/categories` (the same data as JSON, for
 * sites that draw their own banner), each in the language `lang` names or the visitor's browser prefers
 * (`bannerLanguageFor`). Each distinct wording served is kept once (`BannerVersions`), and its
 * `bannerVersion` goes with the visitor's choice into the consent ledger.
 */
export async function consentBannerRoutes(app: FastifyInstance, deps: ConsentBannerDeps): Promise<void> {
  // As browser-routes: with PORT=0 or HOST=0.0.0.0 and no SLUICE_PUBLIC_URL, the address the browser used is the public URL.
  const publicUrlOf = browserPublicUrl(deps.publicUrl);
  const versions = new BannerVersions(deps.consent, (error) => app.log.warn({ err: error }, 'consent banner: its wording could not be stored for proof of consent; served anyway, stored on a later request'));
  const configFor = async (request: FastifyRequest, writeKey: string | undefined, lang: string | undefined): Promise<BannerConfig> => {
    const language = bannerLanguageFor(lang, request.headers['accept-language']);
    const source = await deps.sources.resolve(writeKey);
    const workspace = await deps.workspaces.get(source.workspaceId);
    const settings = bannerSettingsFrom(workspace?.settings ?? {}, language);
    const { version, content } = await versions.versionOf(source.workspaceId, settings.text, settings.categories, settings.policyVersion);
    return { writeKey: source.writeKey, publicUrl: publicUrlOf(request), cookieName: CONSENT_COOKIE, ...settings, text: content.text, bannerVersion: version };
  };

  app.get<{ Querystring: { writeKey?: string; lang?: string } }>('/consent.js', { schema: { hide: true } }, async (request, reply) => {
    let config: BannerConfig;
    try {
      config = await configFor(request, request.query.writeKey || undefined, request.query.lang);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      return sendScriptError(reply, 'Sluice consent banner', error, error.code === 'validation_failed' ? `Load /consent.js?writeKey=<your source's writeKey>&lang=<${BANNER_LANGUAGES.join('|')}>, or without lang.` : "Load /consent.js?writeKey=<your source's writeKey>.");
    }
    // Without lang, the wording follows the visitor's Accept-Language: caches keep one copy per language asked for.
    reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=60').header('Vary', 'Accept-Language');
    // The page waits for this script before it goes on (docs/console.md): about 14 KB as is, 4 KB gzipped.
    return sendMaybeGzipped(request, reply, consentScript(config));
  });

  app.get<{ Params: { writeKey: string }; Querystring: { lang?: string } }>('/v1/consent/:writeKey/categories', { schema: { hide: true } }, async (request, reply) => {
    const config = await configFor(request, request.params.writeKey, request.query.lang);
    return reply
      .header('Access-Control-Allow-Origin', '*')
      .header('Cache-Control', 'public, max-age=60')
      .header('Vary', 'Accept-Language')
      .send({ categories: config.categories, model: config.model, policyVersion: config.policyVersion, bannerVersion: config.bannerVersion, language: config.language, text: config.text });
  });
}
