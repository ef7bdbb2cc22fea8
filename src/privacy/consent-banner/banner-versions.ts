import { bannerContent, bannerVersionOf, type BannerContent, type BannerText } from '../../core/consent/banner-content.js';
import type { ConsentRepository } from '../../store/store.js';
import type { BannerCategory } from './banner-config.js';

/** How many workspace/version pairs a process remembers having stored (then it starts over: storing again is harmless). */
const REMEMBERED = 1000;

/**
 * The version of the banner wording a browser is served (`BannerContent` hashed), kept in the ledger's
 * `consent_banner_texts` the first time this process serves it, so a choice that names it can later be shown with
 * exactly what the person saw. One insert per distinct wording and process, none per script request after that.
 */
export class BannerVersions {
  private readonly stored = new Set<string>();

  /**
   * @param failed told when the wording could not be stored (the store unreachable): the banner is served all the same
   *   (a site must not lose its banner to a store outage) and the next request tries again.
   */
  constructor(
    private readonly consent: Pick<ConsentRepository, 'rememberBanner'>,
    private readonly failed: (error: unknown) => void,
  ) {}

  async versionOf(workspaceId: string, text: BannerText, categories: readonly BannerCategory[], policyVersion: string | null): Promise<{ version: string; content: BannerContent }> {
    const content = bannerContent(text, categories, policyVersion);
    const version = bannerVersionOf(content);
    const key = `${workspaceId}\u0000${version}`;
    if (!this.stored.has(key)) {
      try {
        await this.consent.rememberBanner(workspaceId, version, content, Date.now());
        if (this.stored.size >= REMEMBERED) this.stored.clear();
        this.stored.add(key);
      } catch (error) {
        this.failed(error);
      }
    }
    return { version, content };
  }
}
