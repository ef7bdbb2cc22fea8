import type { BannerConfig } from './banner-config.js';

/** The parts of the analytics.js snippet stub / library the banner uses. */
interface AnalyticsLike {
  initialize?: boolean;
  invoked?: boolean;
  methods?: string[];
  factory?: (method: string) => (...args: unknown[]) => AnalyticsLike;
  push(args: unknown[]): number;
  load?: (writeKey: string, options?: unknown) => void;
  _writeKey?: string;
  _cdn?: string;
  _loadOptions?: unknown;
  _sluiceLoading?: boolean;
  addSourceMiddleware(fn: (input: { payload: { obj: Record<string, unknown> }; next: (payload: unknown) => void }) => void): unknown;
  track(event: string, properties?: Record<string, unknown>): unknown;
  page(): unknown;
  [method: string]: unknown;
}

/**
 * The consent banner, run in the visitor's browser. It is serialized with `Function.prototype.toString`
 * into /consent.js, so it must stay self-contained: no imports, no references outside its body, plain DOM.
 */
export function consentBannerRuntime(config: BannerConfig): void {
  const w = window as unknown as Record<string, unknown> & { navigator: Navigator & { globalPrivacyControl?: boolean } };
  if (w.__sluiceConsent) return; // loaded twice
  const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce;
  const gpc = w.navigator.globalPrivacyControl === true;
  const categories = config.categories;
  const text = config.text;

  // ---- stored choice: first-party cookie {v, prefs, at, policy, banner} ----
  // `policy`: the privacy policy version the choice was made under; `prefs` holds every category the banner showed then.
  const readStored = (): { prefs: Record<string, boolean>; policy: string | null } | null => {
    const prefix = `${config.cookieName}=`;
    for (const part of document.cookie.split(/;\s*/)) {
      if (part.indexOf(prefix) !== 0) continue;
      try {
        const parsed = JSON.parse(decodeURIComponent(part.slice(prefix.length))) as { prefs?: Record<string, unknown>; policy?: unknown };
        const prefs: Record<string, boolean> = {};
        for (const c of categories) if (typeof parsed.prefs?.[c.id] === 'boolean') prefs[c.id] = parsed.prefs[c.id] as boolean;
        return { prefs, policy: typeof parsed.policy === 'string' ? parsed.policy : null };
      } catch {
        return null;
      }
    }
    return null;
  };
  const readCookie = (): Record<string, boolean> | null => {
    const found = readStored();
    return found ? found.prefs : null;
  };
  const writeCookie = (prefs: Record<string, boolean>) => {
    const value = encodeURIComponent(JSON.stringify({ v: 1, prefs, at: new Date().toISOString(), policy: config.policyVersion, banner: config.bannerVersion }));
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${config.cookieName}=${value}; Path=/; Max-Age=${60 * 60 * 24 * 395}; SameSite=Lax${secure}`;
  };

  const storedChoice = readStored();
  const stored = storedChoice ? storedChoice.prefs : null;
  // Asked again: a choice made under an earlier privacy policy version (`stale`), or one that predates categories
  // (`unseen`: optional ones the stored choice does not name). Until the visitor answers, an opt-in workspace carries
  // no consent over to the new policy (every optional category off), and a category never asked about is decided
  // by the model (off under opt-in); the banner shows the earlier choices filled in.
  let stale = storedChoice !== null && config.policyVersion !== null && storedChoice.policy !== config.policyVersion;
  let unseen = stored === null ? [] : categories.filter((c) => !c.required && typeof stored[c.id] !== 'boolean').map((c) => c.id);
  const pending = () => stale || unseen.length > 0 || readCookie() === null;
  // What events carry until the visitor answers: the stored choice, unless the policy changed under opt-in.
  const carried = () => (stale && config.model === 'opt-in' ? null : readCookie());
  // analytics.js loads under opt-out, or once there is a choice that still holds (not one asked again under opt-in).
  const mayLoad = () => config.model === 'opt-out' || (readCookie() !== null && !(stale && config.model === 'opt-in'));
  let held: string[] = []; // categories Sluice holds off for this browser (below)
  // Effective preferences: required always on; GPC denies gpc categories whatever was chosen; then the categories
  // Sluice holds off for this browser (`holdOff`: below, they predate no choice made here); then the choice; then the model.
  const effective = (choice: Record<string, boolean> | null, holdOff: readonly string[] = []): Record<string, boolean> => {
    const out: Record<string, boolean> = {};
    for (const c of categories) {
      if (c.required) out[c.id] = true;
      else if (gpc && c.gpc) out[c.id] = false;
      else if (holdOff.indexOf(c.id) > -1) out[c.id] = false;
      else if (choice && typeof choice[c.id] === 'boolean') out[c.id] = choice[c.id] as boolean;
      else out[c.id] = config.model === 'opt-out';
    }
    return out;
  };
  let prefs = effective(carried());

  // ---- analytics.js: a stub compatible with Segment's snippet 5.x (created if the page has none) ----
  // Like the snippet's, the stub records each call's page context ({__t: 'bpc', ...}), so that analytics.js gives an
  // event queued before the choice the URL it was made on. It leaves `invoked` unset: Segment's snippet placed after
  // the banner then sets itself up on the same queue (rather than refusing, "included twice"), and the stub's `load`
  // keeps the snippet's `analytics.load()` waiting until the choice allows analytics.js.
  let analytics = w.analytics as AnalyticsLike | undefined;
  let snippetLoad: ((...args: unknown[]) => void) | undefined;
  let loadArgs: unknown[] | undefined;
  if (!analytics || (!analytics.initialize && !analytics.invoked)) {
    const stub = (analytics ?? []) as unknown as AnalyticsLike;
    stub.methods = ['trackSubmit', 'trackClick', 'trackLink', 'trackForm', 'pageview', 'identify', 'reset', 'group', 'track', 'ready', 'alias', 'debug', 'page', 'screen', 'once', 'off', 'on', 'addSourceMiddleware', 'addIntegrationMiddleware', 'setAnonymousId', 'addDestinationMiddleware', 'register'];
    stub.factory = (method: string) =>
      function (...args: unknown[]) {
        const current = w.analytics as AnalyticsLike;
        if (current.initialized) return (current[method] as (...a: unknown[]) => AnalyticsLike)(...args);
        if (['track', 'screen', 'alias', 'group', 'page', 'identify'].indexOf(method) > -1) {
          const canonical = document.querySelector("link[rel='canonical']");
          args.push({ __t: 'bpc', c: (canonical && canonical.getAttribute('href')) || undefined, p: location.pathname, u: location.href, s: location.search, t: document.title, r: document.referrer });
        }
        args.unshift(method);
        stub.push(args);
        return stub;
      };
    for (const method of stub.methods) stub[method] = stub.factory(method);
    stub._writeKey = config.writeKey;
    Object.defineProperty(stub, 'load', {
      configurable: true,
      // The snippet defines its loader (kept) and calls it: analytics.js loads now if the choice allows it, else after.
      set: (fn: (...args: unknown[]) => void) => (snippetLoad = fn),
      get: () => (...args: unknown[]) => {
        loadArgs = args;
        if (args[1] !== undefined) stub._loadOptions = args[1];
        if (mayLoad()) loadAnalytics();
      },
    });
    w.analytics = stub;
    analytics = stub;
  }
  const a = analytics;
  a.addSourceMiddleware(({ payload, next }) => {
    const obj = payload.obj;
    const context = (obj.context ?? {}) as Record<string, unknown>;
    const consent = (context.consent ?? {}) as Record<string, unknown>;
    consent.categoryPreferences = { ...prefs };
    context.consent = consent;
    obj.context = context;
    next(payload);
  });
  function loadAnalytics() {
    if (a.initialize || a._sluiceLoading || document.querySelector('script[src*="/analytics.js/v1/"]')) return;
    a._sluiceLoading = true;
    if (snippetLoad && loadArgs) return snippetLoad.apply(a, loadArgs); // the site's own snippet, as it asked
    a._cdn = a._cdn ?? config.publicUrl;
    const script = document.createElement('script');
    script.async = true;
    script.setAttribute('data-global-segment-analytics-key', 'analytics');
    script.src = `${config.publicUrl}/analytics.js/v1/${encodeURIComponent(config.writeKey)}/analytics.min.js`;
    document.head.appendChild(script);
  }

  // ---- the banner (shadow DOM, so the site's CSS and ours never mix) ----
  const host = document.createElement('div');
  host.id = 'sluice-consent';
  // The shadow tree takes its language from the host: screen readers read the banner in its own language.
  host.lang = config.language;
  const root = host.attachShadow({ mode: 'open' });
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, text?: string): HTMLElementTagNameMap[K] => {
    const node = document.createElement(tag);
    for (const key of Object.keys(attrs)) node.setAttribute(key, attrs[key] as string);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  // Equal prominence at any width: the buttons are a footer that stays in view (the categories scroll above it),
  // Reject all and Accept all side by side, the same size and style.
  const css =
    ':host{all:initial}[hidden]{display:none!important}.b{position:fixed;z-index:2147483000;left:.5rem;right:.5rem;bottom:.5rem;max-width:42rem;max-height:calc(100vh - 1rem);max-height:calc(100dvh - 1rem);margin:0 auto;display:flex;flex-direction:column;background:#fff;color:#1b1f24;border:1px solid #c9ced6;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.2);font:15px/1.45 system-ui,sans-serif}.b:focus{outline:none}.m{overflow:auto;padding:1rem 1.25rem .25rem}' +
    'h2{font-size:1.1rem;margin:0 0 .4rem}p{margin:.2rem 0 .6rem}.gpc{background:#ecfdf3;color:#05603a;border:1px solid #abefc6;border-radius:6px;padding:.35rem .6rem;font-weight:600}.n{background:#eff8ff;color:#1849a9;border:1px solid #b2ddff;border-radius:6px;padding:.35rem .6rem}.new{color:#1849a9;font-weight:400}' +
    'ul{list-style:none;padding:0;margin:.4rem 0}li{padding:.35rem 0;border-top:1px solid #eaecf0}label{font-weight:600;display:flex;gap:.5rem;align-items:center}small{display:block;color:#5b6470;margin-left:1.6rem}' +
    '.row{display:flex;flex-wrap:wrap;gap:.5rem;padding:.75rem 1.25rem 1rem;border-top:1px solid #eaecf0}button{font:inherit;padding:.5rem .75rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;flex:1 1 7rem}button.s{background:#fff;color:#1d4ed8}' +
    'button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.l{position:fixed;z-index:2147482999;left:.75rem;bottom:.75rem;font:13px system-ui,sans-serif;background:#fff;color:#1d4ed8;border:1px solid #c9ced6;border-radius:6px;padding:.3rem .6rem;flex:none}';
  // A constructed stylesheet is not an inline <style>, so a Content-Security-Policy without 'unsafe-inline' in
  // style-src keeps it; browsers without them get a <style> with the nonce of the banner's script tag.
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = el('style', {}, css);
    if (nonce) style.nonce = nonce;
    root.appendChild(style);
  }

  const panel = el('div', { class: 'b', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'sc-title', tabindex: '-1' });
  const main = el('div', { class: 'm' });
  main.appendChild(el('h2', { id: 'sc-title' }, text.title));
  main.appendChild(el('p', {}, text.intro));
  const policyNotice = el('p', { class: 'n', 'data-notice': 'policy-changed' }, text.policyChanged.replace('{version}', config.policyVersion ?? ''));
  const newNotice = el('p', { class: 'n', 'data-notice': 'new-categories' }, text.newCategories);
  policyNotice.hidden = !stale;
  newNotice.hidden = unseen.length === 0;
  main.appendChild(policyNotice);
  main.appendChild(newNotice);
  // Said only when a category covers sale or sharing (`gpc`): with none, the signal turns nothing off, and the banner
  // claimed an opt-out it did not carry out (the site owner marks the categories in the console).
  if (gpc && categories.some((c) => c.gpc === true && c.required !== true)) main.appendChild(el('p', { class: 'gpc', role: 'status', 'data-gpc': 'honored' }, text.gpcNotice));
  const list = el('ul', {});
  const boxes: Record<string, HTMLInputElement> = {};
  const newMarks: HTMLElement[] = [];
  categories.forEach((c, i) => {
    const item = el('li', {});
    const label = el('label', {});
    const box = el('input', { type: 'checkbox', name: c.id, 'data-category': c.id, ...(c.description ? { 'aria-describedby': `sc-d${i}` } : {}) });
    const locked = c.required === true || (gpc && c.gpc === true);
    box.disabled = locked;
    boxes[c.id] = box;
    label.appendChild(box);
    label.appendChild(document.createTextNode(c.name + (c.required ? text.alwaysOn : gpc && c.gpc ? text.gpcOff : '')));
    if (unseen.indexOf(c.id) > -1) {
      const mark = el('span', { class: 'new', 'data-new': c.id }, text.newLabel);
      newMarks.push(mark);
      label.appendChild(mark);
    }
    item.appendChild(label);
    if (c.description) item.appendChild(el('small', { id: `sc-d${i}` }, c.description));
    list.appendChild(item);
  });
  main.appendChild(list);
  panel.appendChild(main);
  const row = el('div', { class: 'row' });
  // Reject all and Accept all: same size, same style (equal prominence); Save is secondary.
  const rejectAll = el('button', { type: 'button', 'data-action': 'reject-all' }, text.rejectAll);
  const acceptAll = el('button', { type: 'button', 'data-action': 'accept-all' }, text.acceptAll);
  const save = el('button', { type: 'button', class: 's', 'data-action': 'save' }, text.save);
  row.appendChild(rejectAll);
  row.appendChild(acceptAll);
  row.appendChild(save);
  panel.appendChild(row);
  const reopen = el('button', { type: 'button', class: 'l', 'data-action': 'open' }, text.reopen);

  // Asked again, the boxes show the earlier choice (what events carry meanwhile may be less).
  const sync = () => {
    const shown = pending() && stored !== null ? effective(readCookie(), held) : prefs;
    for (const c of categories) (boxes[c.id] as HTMLInputElement).checked = shown[c.id] === true;
  };
  // Focus moves to the dialog itself (no button favoured) and, when it closes, back to what opened it.
  let opener: HTMLElement | null = null;
  const show = () => {
    if (panel.hidden || !opener) opener = (document.activeElement === host ? root.activeElement : document.activeElement) as HTMLElement | null;
    sync();
    panel.hidden = false;
    reopen.hidden = true;
    panel.focus();
  };
  const hide = () => {
    const focused = root.activeElement !== null;
    panel.hidden = true;
    reopen.hidden = !!document.querySelector('[data-sluice-privacy-choices]');
    if (focused && opener && opener.isConnected) opener.focus();
    opener = null;
  };
  let chosen = false;
  const choose = (choice: Record<string, boolean>) => {
    chosen = true;
    const before = JSON.stringify(prefs);
    // An answer to being asked again is recorded even when it repeats the earlier choice: it is consent under this policy.
    const asked = pending();
    prefs = effective(choice);
    writeCookie(prefs);
    stale = false;
    unseen = [];
    policyNotice.hidden = true;
    newNotice.hidden = true;
    for (const mark of newMarks) mark.hidden = true;
    hide();
    loadAnalytics();
    // The ledger keeps which wording the choice was made on (`consentBanner.version`: the hash of everything shown).
    if (asked || before !== JSON.stringify(prefs)) a.track('Segment Consent Preference Updated', { consentBanner: { version: config.bannerVersion, policyVersion: config.policyVersion } });
    host.dispatchEvent(new CustomEvent('sluice:consent', { detail: { ...prefs }, bubbles: true, composed: true }));
  };
  const all = (value: boolean) => {
    const choice: Record<string, boolean> = {};
    for (const c of categories) choice[c.id] = value;
    return choice;
  };
  acceptAll.onclick = () => choose(all(true));
  rejectAll.onclick = () => choose(all(false));
  save.onclick = () => {
    const choice: Record<string, boolean> = {};
    for (const c of categories) choice[c.id] = (boxes[c.id] as HTMLInputElement).checked;
    choose(choice);
  };
  reopen.onclick = show;
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !pending()) hide();
  });
  root.appendChild(panel);
  root.appendChild(reopen);

  w.__sluiceConsent = {
    open: show,
    get preferences() {
      return { ...prefs };
    },
    gpc,
  };
  const mount = () => {
    document.body.appendChild(host);
    document.addEventListener('click', (event) => {
      const target = event.target as Element | null;
      if (target && target.closest && target.closest('[data-sluice-privacy-choices]')) {
        event.preventDefault();
        show();
      }
    });
    if (pending()) show();
    else hide();
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  // A choice stored in this browser predates any opt-out or objection the visitor made since through a privacy
  // request (or a GPC signal recorded from another visit): ask Sluice which categories it holds off for this
  // browser's analytics.js anonymousId, and show and send them off. Otherwise the banner showed them on, and saving
  // any other change re-sent them as granted: a new choice, which lifted the opt-out (decision 0401).
  const anonymousId = (() => {
    const found = /(?:^|;\s*)ajs_anonymous_id=([^;]*)/.exec(document.cookie);
    let raw: string | null = null;
    try {
      raw = found ? decodeURIComponent(found[1] as string) : window.localStorage.getItem('ajs_anonymous_id');
      const parsed: unknown = raw === null ? null : JSON.parse(raw);
      if (typeof parsed === 'string') raw = parsed;
    } catch {
      // stored bare, or no storage
    }
    return typeof raw === 'string' && raw.length > 0 && raw.length <= 500 ? raw : null;
  })();
  if (anonymousId !== null && typeof fetch === 'function') {
    fetch(`${config.publicUrl}/v1/consent/${encodeURIComponent(config.writeKey)}/denials?anonymousId=${encodeURIComponent(anonymousId)}`, { credentials: 'omit' })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer: { denied?: unknown } | null) => {
        const denied = answer && Array.isArray(answer.denied) ? answer.denied.filter((id): id is string => typeof id === 'string') : [];
        if (denied.length === 0 || chosen) return;
        held = denied;
        const before = JSON.stringify(prefs);
        prefs = effective(carried(), denied);
        // Written back only to a choice that holds: one being asked again is written when answered.
        if (readCookie() !== null && !pending() && before !== JSON.stringify(prefs)) writeCookie(prefs);
        if (!panel.hidden) sync();
      })
      .catch(() => undefined); // Sluice still holds them off server-side
  }

  // Opt-out model, or a choice that still holds: analytics.js may load now. Opt-in without one: after a choice.
  if (mayLoad()) loadAnalytics();
}
