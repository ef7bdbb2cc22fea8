/**
 * The hosted privacy-request page (`GET /privacy?writeKey=...`): where a data subject asks for a copy of their
 * data, its deletion, an opt-out and so on, then types the 6-digit code Sluice emailed them. A plain HTML form
 * with a small script (no framework), talking to the public subject-request endpoints of the same origin.
 * A site links to it from its privacy policy ("Exercise your rights").
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page's choice that asks for a new download link instead of making a request. */
const NEW_LINK = 'new_link';

/** The choices offered, in the words a person would use (the API's type in the value). */
const CHOICES: readonly { type: string; label: string; needsEmail: boolean }[] = [
  { type: 'access', label: 'Send me a copy of my data', needsEmail: true },
  { type: 'delete', label: 'Delete my data', needsEmail: true },
  { type: 'know', label: 'Tell me what personal information you collect about me and who receives it (CCPA)', needsEmail: true },
  { type: 'correct', label: 'Correct my data', needsEmail: true },
  { type: 'opt_out', label: 'Do not sell or share my personal information', needsEmail: false },
  { type: 'limit_sensitive', label: 'Limit the use of my sensitive personal information', needsEmail: false },
  { type: 'object', label: 'Stop using my data for analytics, personalisation and advertising', needsEmail: true },
  { type: 'restrict', label: 'Keep my data but stop processing it for now', needsEmail: true },
  // Not a request: a new download link for answered access and know requests (subject-new-links.ts).
  { type: NEW_LINK, label: 'Send me a new link to my data or report (the one I was sent has expired)', needsEmail: true },
];

/** The details a person can correct on the page (profile traits of Segment's spec; an email is corrected by the team). */
const CORRECTABLE: readonly { trait: string; label: string }[] = [
  { trait: 'name', label: 'Name' },
  { trait: 'firstName', label: 'First name' },
  { trait: 'lastName', label: 'Last name' },
  { trait: 'phone', label: 'Phone number' },
  { trait: 'title', label: 'Job title' },
];

const EMAIL_HINT = 'We send a 6-digit code to this address to make sure the request comes from you, and our answer.';
/** The hint when asking for a new link: the address the answer went to. */
const NEW_LINK_HINT = 'The address you made the request with. We send a 6-digit code there, then a new link for each request we answered with a copy of your data or a report.';
/** The hint when the choice needs no email (an opt-out): the browser itself can be opted out (CCPA regs 7025, 7026). */
const OPTIONAL_EMAIL_HINT = 'Optional. Left empty, we opt out this browser (the analytics identifier this site gave it); with your email, also what we hold about you under it, and we tell you there when it is done.';

export function privacyPageHtml(input: { writeKey: string; siteName: string }): string {
  const options = CHOICES.map((c) => `<option value="${c.type}" data-needs-email="${c.needsEmail}">${escapeHtml(c.label)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Your privacy choices: ${escapeHtml(input.siteName)}</title>
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
<main id="sluice-privacy" data-write-key="${escapeHtml(input.writeKey)}">
  <h1>Your privacy choices</h1>
  <p>Ask ${escapeHtml(input.siteName)} for a copy of your personal data, to correct or delete it, or to stop selling or sharing it. We answer within the time the law gives us (one month under the GDPR, 45 days under the CCPA) and tell you by email.</p>
  <form id="request-form" novalidate>
    <label for="type">What would you like us to do?</label>
    <select id="type" name="type">${options}</select>
    <div id="correct-fields" hidden>
      <label for="trait">Which detail is wrong?</label>
      <select id="trait" name="trait">${CORRECTABLE.map((c) => `<option value="${c.trait}">${escapeHtml(c.label)}</option>`).join('')}</select>
      <label for="trait-value">What it should say</label>
      <input id="trait-value" name="trait-value" maxlength="500" autocomplete="off">
    </div>
    <label for="email">Your email address</label>
    <input id="email" name="email" type="email" autocomplete="email" aria-describedby="email-hint">
    <p class="hint" id="email-hint">${EMAIL_HINT}</p>
    <div id="regulation-fields">
    <label for="regulation">Where do you live?</label>
    <select id="regulation" name="regulation">
      <option value="">Let the site decide</option>
      <option value="gdpr">European Union, EEA or United Kingdom (GDPR)</option>
      <option value="ccpa">California (CCPA)</option>
    </select>
    </div>
    <button type="submit" id="submit">Send request</button>
  </form>
  <form id="verify-form" hidden novalidate>
    <p id="verify-intro"></p>
    <label for="code">Code from the email</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
    <button type="submit" id="verify">Confirm</button>
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
          var error = new Error((json.error && json.error.message) || ('The server answered ' + response.status + '. Please try again later.'));
          error.code = json.error && json.error.code;
          throw error;
        }
        return json;
      });
    });
  }
  function needsEmail() { return type.options[type.selectedIndex].getAttribute('data-needs-email') === 'true'; }
  function showHint() { hint.textContent = type.value === ${JSON.stringify(NEW_LINK)} ? ${JSON.stringify(NEW_LINK_HINT)} : needsEmail() ? ${JSON.stringify(EMAIL_HINT)} : ${JSON.stringify(OPTIONAL_EMAIL_HINT)}; }
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
  function date(iso) { return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' }); }
  function confirmed(request) {
    verifyForm.hidden = true; requestForm.hidden = true;
    say('Thank you. Your request ' + request.id + ' is confirmed; we will answer by ' + date(request.dueAt) + '.', 'done');
  }
  function askCode(verification) {
    requestForm.hidden = true; verifyForm.hidden = false;
    document.getElementById('verify-intro').textContent = 'We sent a 6-digit code to ' + verification.sentTo + '. It is valid for 10 minutes.';
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
      say('We found no request answered with a copy of your data or a report for ' + answer.sentTo + ' on this site. If you made it with another address, ask again with that one; a request we are still working on is answered by email when it is done.', 'done');
      return;
    }
    var names = answer.requests.map(function (r) { return (r.type === 'know' ? 'the report about you' : 'the copy of your data') + ' (request ' + r.id + (r.respondedAt ? ', answered on ' + date(r.respondedAt) : '') + ')'; });
    say('We emailed a new link to ' + answer.sentTo + ' for ' + names.join(' and ') + '. It works for 7 days.', 'done');
  }
  function askNewLink(address) {
    document.getElementById('submit').disabled = true;
    say('Sending…');
    post('/v1/privacy-requests/new-link', { email: address }).then(function (challenge) {
      if (!challenge.verification.emailSent) {
        say('We could not send the code to ' + challenge.verification.sentTo + ' just now. Please ask again in a few minutes.', 'error');
        document.getElementById('submit').focus();
        return;
      }
      linkId = challenge.id; linkEmail = address;
      askCode(challenge.verification);
    }).catch(function (error) { say(error.message, 'error'); }).then(function () { document.getElementById('submit').disabled = false; });
  }
  requestForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var address = email.value.trim();
    if (needsEmail() && !/^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(address)) { say('Please enter your email address: we send the code and our answer there.', 'error', email); return; }
    if (type.value === ${JSON.stringify(NEW_LINK)}) { askNewLink(address); return; }
    var body = { type: type.value };
    if (type.value === 'correct') {
      var corrected = traitValue.value.trim();
      if (!corrected) { say('Please enter what the detail should say.', 'error', traitValue); return; }
      body.traits = {};
      body.traits[document.getElementById('trait').value] = corrected;
    }
    if (address) body.email = address;
    if (!needsEmail()) {
      var anonymousId = browserId();
      if (anonymousId) body.anonymousId = anonymousId;
      else if (!address) { say('This browser has no analytics identifier from this site, so we cannot tell which data is yours: please enter your email address.', 'error', email); return; }
    }
    var regulation = document.getElementById('regulation').value;
    if (regulation) body.regulation = regulation;
    document.getElementById('submit').disabled = true;
    say('Sending…');
    post('/v1/privacy-requests', body).then(function (request) {
      requestId = request.id; linkId = null;
      if (!request.verification) { confirmed(request); return; }
      // No code went out: there is nothing to type, so the request form stays, to send again later.
      if (!request.verification.emailSent) {
        requestId = null;
        say('We could not send the code to ' + request.verification.sentTo + ' just now, so this request cannot go ahead yet. Please send it again in a few minutes.', 'error');
        document.getElementById('submit').focus();
        return;
      }
      askCode(request.verification);
    }).catch(function (error) { say(error.message, 'error'); }).then(function () { document.getElementById('submit').disabled = false; });
  });
  verifyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var code = document.getElementById('code').value.trim();
    if (!/^[0-9]{6}$/.test(code)) { say('The code has 6 digits.', 'error', document.getElementById('code')); return; }
    document.getElementById('verify').disabled = true;
    var checked = linkId
      ? post('/v1/privacy-requests/new-link/' + encodeURIComponent(linkId) + '/verify', { email: linkEmail, code: code }).then(linksSent)
      : post('/v1/privacy-requests/' + encodeURIComponent(requestId) + '/verify', { code: code }).then(confirmed);
    checked
      .catch(function (error) {
        // A wrong code is the code field's error; a closed request sends the person back to the request form.
        say(error.message, 'error', error.code === 'verification_code_invalid' ? document.getElementById('code') : null);
        // The request is closed (3 wrong codes, code expired), or the code used up: start again from the request form.
        if (['verification_attempts_exceeded', 'verification_code_expired', 'request_state_conflict', 'not_found'].indexOf(error.code) > -1) backToRequestForm();
      }).then(function () { document.getElementById('verify').disabled = false; });
  });
})();
`;
