import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';

/** GET /api/v1/me/two-factor. */
interface TwoFactorStatus {
  enabled: boolean;
  /** A setup was started and not confirmed (its key cannot be shown again). */
  pending: boolean;
  recoveryCodesLeft: number;
}

/** POST /api/v1/me/two-factor: what the authenticator app needs, shown once. */
interface Enrollment {
  secret: string;
  otpauthUri: string;
}

/** The QR encoder is loaded only when someone sets up two-factor, not with every page of the console. */
const QrCode = lazy(() => import('../components/qr-code').then((m) => ({ default: m.QrCode })));

/** What the member typed as their second factor, as the API takes it: 6 digits are a code, else a recovery code. */
function secondFactor(typed: string): { code: string } | { recoveryCode: string } {
  const value = typed.trim().replace(/\s/g, '');
  return /^\d{6}$/.test(value) ? { code: value } : { recoveryCode: value };
}

/** Moves focus to a step's heading when it appears, so keyboard and screen-reader users land on it. */
function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

/** Hands text to the browser as a file download (the recovery codes). */
function saveTextFile(name: string, text: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Step 1 and 2 of turning it on: add the key to an app (QR code, key or setup link), then confirm with the app's first code. */
function EnrollStep({ enrollment, onConfirmed, onCancel }: { enrollment: Enrollment; onConfirmed: (codes: string[]) => void; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const { error, busy, onSubmit } = useFormSubmit(async () => {
    const answer = await api<{ recoveryCodes: string[] }>('POST', '/api/v1/me/two-factor/confirm', { code: code.trim().replace(/\s/g, '') });
    onConfirmed(answer.recoveryCodes);
  });
  // Grouped by 4 to read and type; copied without spaces.
  const grouped = enrollment.secret.match(/.{1,4}/g)?.join(' ') ?? enrollment.secret;
  return (
    <div className="stack">
      <h3 ref={heading} tabIndex={-1}>
        Step 1: add Sluice to your authenticator app
      </h3>
      <p>
        Scan this QR code with the app (Google Authenticator, 1Password, Aegis, …). It is shown only now.
      </p>
      <Suspense fallback={<p className="muted">Drawing the QR code…</p>}>
        <QrCode text={enrollment.otpauthUri} label="QR code of the setup link, to scan with your authenticator app" />
      </Suspense>
      <p>
        Or add an account with a <em>setup key</em> in the app and type or paste this key:{' '}
        <code className="secret" data-testid="two-factor-secret">
          {grouped}
        </code>{' '}
        <CopyButton text={enrollment.secret} label="Copy key" />
      </p>
      <p className="hint">Time-based, 6 digits, every 30 seconds: the apps' defaults.</p>
      <p>
        On a phone or computer that has the app, the setup link adds it in one step: <a href={enrollment.otpauthUri}>Open in authenticator app</a>{' '}
        <CopyButton text={enrollment.otpauthUri} label="Copy setup link" />
      </p>
      <form className="stack narrow" onSubmit={onSubmit} aria-labelledby="two-factor-confirm-title">
        <h3 id="two-factor-confirm-title">Step 2: enter the code the app shows</h3>
        <label htmlFor="two-factor-code">Code from your authenticator app</label>
        <input id="two-factor-code" inputMode="numeric" autoComplete="one-time-code" required maxLength={10} value={code} onChange={(e) => setCode(e.target.value)} aria-describedby="two-factor-code-hint" />
        <p className="hint" id="two-factor-code-hint">
          Two-factor authentication is on only once this code is accepted, so a mistyped key never locks you out.
        </p>
        <ErrorBox error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Turn on two-factor authentication
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

/** Step 3: the recovery codes, shown once; the member says they saved them before going on. */
function RecoveryCodesStep({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const text = `Sluice recovery codes (each works once, instead of a code from your authenticator app)\n\n${codes.join('\n')}\n`;
  return (
    <div className="stack" role="region" aria-labelledby="recovery-codes-title">
      <p className="notice" role="status">
        Two-factor authentication is on.
      </p>
      <h3 id="recovery-codes-title" ref={heading} tabIndex={-1}>
        Step 3: save your recovery codes
      </h3>
      <p>
        If you lose your phone, each of these codes logs you in once instead of a code from the app. <strong>They are shown only now:</strong> keep them in a password manager or print them.
      </p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <CopyButton text={codes.join('\n')} label="Copy codes" />
        <button type="button" onClick={() => saveTextFile('sluice-recovery-codes.txt', text)}>
          Download as a text file
        </button>
      </div>
      <div className="field check">
        <input id="recovery-codes-saved" type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
        <label htmlFor="recovery-codes-saved">I have saved these recovery codes</label>
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!saved} onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** Turning it off: with a current code of the app or an unused recovery code, as the API requires. */
function DisableForm({ onDisabled }: { onDisabled: () => void }) {
  const [typed, setTyped] = useState('');
  const { error, busy, onSubmit } = useFormSubmit(async () => {
    await api('POST', '/api/v1/me/two-factor/disable', secondFactor(typed));
    setTyped('');
    onDisabled();
  });
  return (
    <form className="stack narrow" onSubmit={onSubmit} aria-labelledby="two-factor-off-title">
      <h3 id="two-factor-off-title">Turn it off</h3>
      <label htmlFor="two-factor-off-code">Code from your authenticator app, or a recovery code</label>
      <input id="two-factor-off-code" autoComplete="one-time-code" required maxLength={40} value={typed} onChange={(e) => setTyped(e.target.value)} />
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy}>
          Turn off two-factor authentication
        </button>
      </div>
    </form>
  );
}

/**
 * Your two-factor authentication (decision 0801): turn it on (QR code, key and setup link for an authenticator app,
 * confirmed with a first code), save the recovery codes shown once, and turn it off with a code.
 */
export function TwoFactorSettings() {
  const status = useAsync(() => api<TwoFactorStatus>('GET', '/api/v1/me/two-factor'), []);
  const [step, setStep] = useState<{ enrolling: Enrollment } | { codes: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // When a step closes, its controls disappear: focus goes back to the section's heading.
  const title = useRef<HTMLHeadingElement>(null);
  const close = () => {
    setStep(null);
    status.reload();
    title.current?.focus();
  };
  const start = useFormSubmit(async () => {
    setNotice(null);
    setStep({ enrolling: await api<Enrollment>('POST', '/api/v1/me/two-factor') });
  });
  const s = status.data;
  return (
    <section className="card stack" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title" ref={title} tabIndex={-1}>
        Two-factor authentication
      </h2>
      <ErrorBox error={status.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {step && 'codes' in step ? (
        <RecoveryCodesStep
          codes={step.codes}
          onDone={close}
        />
      ) : step ? (
        <EnrollStep
          enrollment={step.enrolling}
          onConfirmed={(codes) => setStep({ codes })}
          onCancel={close}
        />
      ) : !s ? (
        status.loading && <p className="muted">Loading…</p>
      ) : s.enabled ? (
        <>
          <p data-testid="two-factor-status">
            <span className="badge ok">on</span> Logging in asks for a code from your authenticator app.{' '}
            <span className={s.recoveryCodesLeft <= 3 ? 'overdue' : undefined}>
              {s.recoveryCodesLeft} recovery code{s.recoveryCodesLeft === 1 ? '' : 's'} left.
            </span>
          </p>
          <p className="hint">New recovery codes come with setting it up again: turn it off, then on (the ones you have stop working).</p>
          <DisableForm
            onDisabled={() => {
              setNotice('Two-factor authentication is off: logging in asks for your password only.');
              close();
            }}
          />
        </>
      ) : (
        <form className="stack" onSubmit={start.onSubmit} aria-label="Set up two-factor authentication">
          <p data-testid="two-factor-status">
            <span className="badge">off</span> Logging in asks for your password only. With two-factor authentication on, it also asks for a 6-digit code from an authenticator app on
            your phone.
          </p>
          {s.pending && <p className="hint">A setup was started and not finished; setting up again gives a new key.</p>}
          <ErrorBox error={start.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={start.busy}>
              Set up two-factor authentication
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
