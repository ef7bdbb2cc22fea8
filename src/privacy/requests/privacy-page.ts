import { LOCALES, type Language } from '../../core/i18n/languages.js';
import { PAGE_CHOICES, PAGE_TRAITS, type PageChoice, type PrivacyPageText } from './privacy-page-text.js';
import { PRIVACY_PAGE_TEXTS } from './privacy-page-texts.js';

/**
 * The hosted privacy-request page (`GET /privacy?writeKey=...`): where a data subject asks for a copy of their
 * data, its deletion, an opt-out and so on, then types the 6-digit code Sluice emailed them. A plain HTML form
 * with a small script (no framework), talking to the public subject-request endpoints of the same origin.
 * A site links to it from its privacy policy ("Exercise your rights"). In the visitor's language (`languageFor`:
 * `lang`, else Accept-Language, else English), which the requests it files remember for their emails.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page's choice that asks for a new download link instead of making a request. */
const NEW_LINK: PageChoice = 'new_link';

/** Whether each choice needs an email (an opt-out or a limit can name this browser instead). */
const NEEDS_EMAIL: Readonly<Record<PageChoice, boolean>> = {
  access: true,
  delete: true,
  know: true,
  correct: true,
  opt_out: false,
  limit_sensitive: false,
  object: true,
  restrict: true,
  // Not a request: a new download link for answered access and know requests (subject-new-links.ts).
  new_link: true,
};

/** The page's words for its script: the hints it switches between and what it says (`data-texts`). */
function scriptTexts(text: PrivacyPageText): Record<string, unknown> {
  return { ...text.script, emailHint: text.emailHint, newLinkHint: text.newLinkHint, optionalEmailHint: text.optionalEmailHint };
}

/**
 * The page in `language` (`PRIVACY_PAGE_TEXTS`): its labels, and the words its script says, handed to the script in
 * `data-texts` (the script is one static file for every language); its `lang` is the language the requests are
 * filed in (`data-language`), so their emails are written in it.
 */
export function privacyPageHtml(input: { writeKey: string; siteName: string; language: Language }): string {
  const text = PRIVACY_PAGE_TEXTS[input.language];
  const options = PAGE_CHOICES.map((c) => `<option value="${c}" data-needs-email="${NEEDS_EMAIL[c]}">${escapeHtml(text.choices[c])}</option>`).join('');
  return `<!doctype html>
<html lang="${input.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(text.title)}: ${escapeHtml(input.siteName)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.5rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input, select { font: inherit; width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; border: 1px solid #8c959f; border-radius: 6px; }
  button { font: inherit; margin-top: 1.25rem; padding: .55rem 1.2rem; border: 0; border-radius: 6px; background: #0b57d0; color: #fff; cursor: pointer; }
  button[disabled] { opacity: .6; cursor: default; }
  .hint { color: #57606a; font-size: .9rem; margin: .25rem 0 0; }
  .error { color: #b3261e; font-weight: 600; }
  [aria-invalid="true"] { border: 2px solid #b3261e; }
  .done { border-left: 4px solid #1a7f37; padding-left: .75rem; }
  [hidden] { display: none; }
</style>
</head>
<body>
<main id="sluice-privacy" data-write-key="${escapeHtml(input.writeKey)}" data-language="${input.language}" data-locale="${LOCALES[input.language]}" data-texts="${escapeHtml(JSON.stringify(scriptTexts(text)))}">
  <h1>${escapeHtml(text.title)}</h1>
  <p>${escapeHtml(text.intro(input.siteName))}</p>
  <form id="request-form" novalidate>
    <label for="type">${escapeHtml(text.whatLabel)}</label>
    <select id="type" name="type">${options}</select>
    <div id="correct-fields" hidden>
      <label for="trait">${escapeHtml(text.traitLabel)}</label>
      <select id="trait" name="trait">${PAGE_TRAITS.map((t) => `<option value="${t}">${escapeHtml(text.traits[t])}</option>`).join('')}</select>
      <label for="trait-value">${escapeHtml(text.traitValueLabel)}</label>
      <input id="trait-value" name="trait-value" maxlength="500" autocomplete="off">
    </div>
    <label for="email">${escapeHtml(text.emailLabel)}</label>
    <input id="email" name="email" type="email" autocomplete="email" aria-describedby="email-hint">
    <p class="hint" id="email-hint">${escapeHtml(text.emailHint)}</p>
    <div id="regulation-fields">
    <label for="regulation">${escapeHtml(text.regulationLabel)}</label>
    <select id="regulation" name="regulation">
      <option value="">${escapeHtml(text.regulationSiteDecides)}</option>
      <option value="gdpr">${escapeHtml(text.regulationGdpr)}</option>
      <option value="ccpa">${escapeHtml(text.regulationCcpa)}</option>
    </select>
    </div>
    <button type="submit" id="submit">${escapeHtml(text.submit)}</button>
  </form>
  <form id="verify-form" hidden novalidate>
    <p id="verify-intro"></p>
    <label for="code">${escapeHtml(text.codeLabel)}</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
    <button type="submit" id="verify">${escapeHtml(text.confirm)}</button>
  </form>
  <p id="status" role="status" aria-live="polite"></p>
  <p id="alert" role="alert" class="error"></p>
</main>
<script src="/privacy/page.js"></script>
</body>
</html>
`;
}

/** What the page shows when its link is wrong (no or unknown writeKey). */
export function privacyPageErrorHtml(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Privacy requests</title></head><body><main><h1>This privacy page is not set up correctly</h1><p>${escapeHtml(message)}</p></main></body></html>\n`;
}

/** The page's script: submit, then verify with the code; every error says what to do. */
export const PRIVACY_PAGE_SCRIPT = `(function () {
  var root = document.getElementById('sluice-privacy');
  var writeKey = root.getAttribute('data-write-key');
  // The page's language (the requests filed here remember it for their emails) and its words.
  var language = root.getAttribute('data-language') || 'en';
  // Dates, lists and plurals as the emails write them (en-GB, de-DE, pt-PT, ...).
  var locale = root.getAttribute('data-locale') || language;
  var t = JSON.parse(root.getAttribute('data-texts') || '{}');
  function fill(template, values) { return template.replace(/\\{(\\w+)\\}/g, function (all, name) { return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all; }); }
  // Every answer of the API a person can meet here, in the page's language: the API's own messages are English,
  // written for the site's developers. A refused value names its field (error.path), which is marked.
  function errorText(code, json, status) {
    var e = t.errors || {};
    if (code === 'verification_code_invalid' && typeof json.error.attemptsLeft === 'number') {
      var n = json.error.attemptsLeft;
      return fill(new Intl.PluralRules(locale).select(n) === 'one' ? e.codeWrong.one : e.codeWrong.other, { n: n });
    }
    if (code === 'validation_failed') {
      var field = String(json.error.path || '').split('.')[0];
      return { email: e.emailInvalid, traits: e.traitInvalid, code: t.codeDigits }[field] || e.invalidRequest;
    }
    var known = { verification_attempts_exceeded: e.attemptsExceeded, verification_code_expired: e.codeExpired, too_many_requests: e.tooManyRequests, request_state_conflict: e.stateConflict, not_found: e.notFound, missing_write_key: e.siteNotSetUp, unknown_source: e.siteNotSetUp, source_disabled: e.siteNotSetUp }[code];
    if (known) return known;
    return status >= 500 ? fill(t.serverError, { status: status }) : e.invalidRequest;
  }
  // The field an error is about, to mark it: a wrong code, or the value the API's schema refused.
  function errorField(code, json) {
    if (code === 'verification_code_invalid') return document.getElementById('code');
    if (code !== 'validation_failed') return null;
    return { email: email, traits: document.getElementById('trait-value'), code: document.getElementById('code') }[String(json.error.path || '').split('.')[0]] || null;
  }
  var status = document.getElementById('status');
  var requestForm = document.getElementById('request-form');
  var verifyForm = document.getElementById('verify-form');
  var type = document.getElementById('type');
  var email = document.getElementById('email');
  var hint = document.getElementById('email-hint');
  var requestId = null;
  // Asking for a new link: the code's reference, and the address it went to (the code is checked with it).
  var linkId = null;
  var linkEmail = null;
  var alertBox = document.getElementById('alert');
  var fields = [email, document.getElementById('trait-value'), document.getElementById('code')];
  // Progress and success are said politely (role=status); an error at once (role=alert), and the field it is about
  // is marked aria-invalid and points at it (aria-errormessage), until it is changed or the form is sent again.
  function clearInvalid() {
    fields.forEach(function (field) { field.removeAttribute('aria-invalid'); field.removeAttribute('aria-errormessage'); });
  }
  function say(text, kind, field) {
    clearInvalid();
    if (kind === 'error') { status.textContent = ''; alertBox.textContent = text; }
    else { alertBox.textContent = ''; status.textContent = text; status.className = kind || ''; }
    if (field) { field.setAttribute('aria-invalid', 'true'); field.setAttribute('aria-errormessage', 'alert'); field.focus(); }
  }
  fields.forEach(function (field) { field.addEventListener('input', function () { field.removeAttribute('aria-invalid'); field.removeAttribute('aria-errormessage'); }); });
  function post(path, body) {
    body.writeKey = writeKey;
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var code = json.error && json.error.code;
          var error = new Error(errorText(code, json.error ? json : { error: {} }, response.status));
          error.code = code;
          error.field = errorField(code, json.error ? json : { error: {} });
          throw error;
        }
        return json;
      });
    }, function () {
      // No answer at all (offline, the server down): fetch's own message is the browser's, in English.
      var error = new Error((t.errors || {}).network);
      error.code = 'network';
      throw error;
    });
  }
  function needsEmail() { return type.options[type.selectedIndex].getAttribute('data-needs-email') === 'true'; }
  function showHint() { hint.textContent = type.value === ${JSON.stringify(NEW_LINK)} ? t.newLinkHint : needsEmail() ? t.emailHint : t.optionalEmailHint; }
  var correctFields = document.getElementById('correct-fields');
  var traitValue = document.getElementById('trait-value');
  function showFields() { showHint(); correctFields.hidden = type.value !== 'correct'; document.getElementById('regulation-fields').hidden = type.value === ${JSON.stringify(NEW_LINK)}; }
  type.addEventListener('change', showFields);
  showFields();
  // The anonymousId analytics.js gave this browser on this site: its ajs_anonymous_id cookie (a site's cookie
  // reaches this page when Sluice is served on the site's domain), else its localStorage (same origin only).
  function browserId() {
    var found = /(?:^|;\\s*)ajs_anonymous_id=([^;]*)/.exec(document.cookie);
    var raw = null;
    try { raw = found ? decodeURIComponent(found[1]) : window.localStorage.getItem('ajs_anonymous_id'); } catch (e) { raw = null; }
    try { var parsed = JSON.parse(raw); if (typeof parsed === 'string') raw = parsed; } catch (e) { /* stored bare */ }
    return typeof raw === 'string' && raw.length > 0 && raw.length <= 500 ? raw : null;
  }
  function date(iso) { return new Date(iso).toLocaleDateString(locale, { year: 'numeric', month: 'long', day: 'numeric' }); }
  function confirmed(request) {
    verifyForm.hidden = true; requestForm.hidden = true;
    say(fill(t.confirmed, { id: request.id, date: date(request.dueAt) }), 'done');
  }
  function askCode(verification) {
    requestForm.hidden = true; verifyForm.hidden = false;
    document.getElementById('verify-intro').textContent = fill(t.codeSent, { to: verification.sentTo });
    say('');
    document.getElementById('code').focus();
  }
  function backToRequestForm() {
    requestId = null; linkId = null; linkEmail = null; verifyForm.hidden = true; requestForm.hidden = false;
    document.getElementById('code').value = '';
    type.focus();
  }
  function linksSent(answer) {
    verifyForm.hidden = true; requestForm.hidden = true;
    if (answer.requests.length === 0) {
      say(fill(t.noLinks, { to: answer.sentTo }), 'done');
      return;
    }
    var names = answer.requests.map(function (r) { return fill(r.respondedAt ? t.linkedRequestAnswered : t.linkedRequest, { what: r.type === 'know' ? t.linkedKnow : t.linkedAccess, id: r.id, date: r.respondedAt ? date(r.respondedAt) : '' }); });
    say(fill(t.linksSent, { to: answer.sentTo, requests: new Intl.ListFormat(locale, { type: 'conjunction' }).format(names) }), 'done');
  }
  function askNewLink(address) {
    document.getElementById('submit').disabled = true;
    say(t.sending);
    post('/v1/privacy-requests/new-link', { email: address, language: language }).then(function (challenge) {
      if (!challenge.verification.emailSent) {
        say(fill(t.linkCodeNotSent, { to: challenge.verification.sentTo }), 'error');
        document.getElementById('submit').focus();
        return;
      }
      linkId = challenge.id; linkEmail = address;
      askCode(challenge.verification);
    }).catch(function (error) { say(error.message, 'error', error.field); }).then(function () { document.getElementById('submit').disabled = false; });
  }
  requestForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var address = email.value.trim();
    var looksLikeEmail = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(address);
    if (needsEmail() && !looksLikeEmail) { say(address ? t.errors.emailInvalid : t.needEmail, 'error', email); return; }
    // An optional address (an opt-out) is checked too when one is typed.
    if (address && !looksLikeEmail) { say(t.errors.emailInvalid, 'error', email); return; }
    if (type.value === ${JSON.stringify(NEW_LINK)}) { askNewLink(address); return; }
    var body = { type: type.value, language: language };
    if (type.value === 'correct') {
      var corrected = traitValue.value.trim();
      if (!corrected) { say(t.needTraitValue, 'error', traitValue); return; }
      body.traits = {};
      body.traits[document.getElementById('trait').value] = corrected;
    }
    if (address) body.email = address;
    if (!needsEmail()) {
      var anonymousId = browserId();
      if (anonymousId) body.anonymousId = anonymousId;
      else if (!address) { say(t.needBrowserIdOrEmail, 'error', email); return; }
    }
    var regulation = document.getElementById('regulation').value;
    if (regulation) body.regulation = regulation;
    document.getElementById('submit').disabled = true;
    say(t.sending);
    post('/v1/privacy-requests', body).then(function (request) {
      requestId = request.id; linkId = null;
      if (!request.verification) { confirmed(request); return; }
      // No code went out: there is nothing to type, so the request form stays, to send again later.
      if (!request.verification.emailSent) {
        requestId = null;
        say(fill(t.codeNotSent, { to: request.verification.sentTo }), 'error');
        document.getElementById('submit').focus();
        return;
      }
      askCode(request.verification);
    }).catch(function (error) { say(error.message, 'error', error.field); }).then(function () { document.getElementById('submit').disabled = false; });
  });
  verifyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var code = document.getElementById('code').value.trim();
    if (!/^[0-9]{6}$/.test(code)) { say(t.codeDigits, 'error', document.getElementById('code')); return; }
    document.getElementById('verify').disabled = true;
    var checked = linkId
      ? post('/v1/privacy-requests/new-link/' + encodeURIComponent(linkId) + '/verify', { email: linkEmail, code: code }).then(linksSent)
      : post('/v1/privacy-requests/' + encodeURIComponent(requestId) + '/verify', { code: code }).then(confirmed);
    checked
      .catch(function (error) {
        // A wrong code is the code field's error; a closed request sends the person back to the request form.
        say(error.message, 'error', error.field);
        // The request is closed (3 wrong codes, code expired), or the code used up: start again from the request form.
        if (['verification_attempts_exceeded', 'verification_code_expired', 'request_state_conflict', 'not_found'].indexOf(error.code) > -1) backToRequestForm();
      }).then(function () { document.getElementById('verify').disabled = false; });
  });
})();
`;
