import { useState, type FormEvent } from 'react';
import { api, type Destination } from '../api';
import { ErrorBox } from '../components/error-box';

interface PreviewAnswer {
  events: { messageId: string; outcome: 'sent' | 'dropped' | 'failed'; reason?: string; message?: string }[];
  requests: { method: string; url: string; headers: Record<string, string>; body?: string }[];
  warnings: string[];
}

/** sent: would be sent; dropped: withheld by a decision (filter, PII, integrations); failed: the type cannot send it. */
function PreviewOutcome({ outcome }: { outcome: PreviewAnswer['events'][number]['outcome'] }) {
  if (outcome === 'sent') return <span className="badge ok">would be sent</span>;
  if (outcome === 'failed') return <span className="badge off">would fail: not sent</span>;
  return <span className="badge off">dropped</span>;
}

const SAMPLE = JSON.stringify({ type: 'track', userId: 'user-1', event: 'Order Completed', properties: { total: 42, currency: 'EUR' } }, null, 2);

/** The exact requests the destination would send for an event, after its filters and PII policy, without sending. */
export function DestinationPreview({ destination }: { destination: Destination }) {
  const [text, setText] = useState(SAMPLE);
  const [answer, setAnswer] = useState<PreviewAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (failure) {
      setError(new Error(`The event is not valid JSON: ${failure instanceof Error ? failure.message : String(failure)}`));
      return;
    }
    try {
      setAnswer(await api<PreviewAnswer>('POST', `/api/v1/destinations/${destination.id}/preview`, { event }));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <p className="hint">What this destination would receive for an event, after its filters and the PII policy (consent is assumed granted). Nothing is sent.</p>
      <label htmlFor="preview-event" className="hint">
        Event JSON
      </label>
      <textarea id="preview-event" className="fql" rows={6} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      <div className="actions">
        <button type="submit">Preview requests</button>
      </div>
      <ErrorBox error={error} />
      {answer && (
        <div role="region" aria-label="Preview result">
          {answer.events.map((e) => (
            <p key={e.messageId}>
              <PreviewOutcome outcome={e.outcome} /> {e.reason && <code>{e.reason}</code>} {e.message}
            </p>
          ))}
          {answer.warnings.map((w) => (
            <p key={w} className="hint">
              {w}
            </p>
          ))}
          {answer.requests.map((r, i) => (
            <pre key={i} aria-label={`Request ${i + 1}`}>{`${r.method} ${r.url}\n${Object.entries(r.headers)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}${r.body !== undefined ? `\n\n${r.body}` : ''}`}</pre>
          ))}
        </div>
      )}
    </form>
  );
}
