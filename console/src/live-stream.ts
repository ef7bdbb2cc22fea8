import { authHeaders, ApiError } from './api';

export interface LiveMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a server-sent-events stream with fetch (EventSource cannot send an Authorization header), and
 * reconnects after a dropped connection with Last-Event-ID so no event is missed or repeated.
 * Returns a function that stops it.
 */
export function openLiveStream(
  url: string,
  handlers: { onMessage: (message: LiveMessage) => void; onStatus: (status: 'connecting' | 'live' | 'reconnecting') => void; onError: (error: ApiError) => void },
): () => void {
  const abort = new AbortController();
  let lastEventId: string | undefined;

  const parseBlock = (block: string): LiveMessage | undefined => {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    return data.length === 0 ? undefined : { id, event, data: data.join('\n') };
  };

  const run = async () => {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      handlers.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const response = await fetch(url, {
          headers: { ...authHeaders(), accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: abort.signal,
        });
        if (!response.ok || !response.body) {
          let body: unknown;
          try {
            body = await response.json();
          } catch {
            body = undefined;
          }
          const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
          handlers.onError(new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `The live stream answered HTTP ${response.status}.`));
          if (response.status >= 400 && response.status < 500) return; // not retriable
        } else {
          handlers.onStatus('live');
          attempt = 0;
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value.replace(/\r\n?/g, '\n');
            let end: number;
            while ((end = buffer.indexOf('\n\n')) !== -1) {
              const message = parseBlock(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
              if (message) {
                if (message.id !== undefined) lastEventId = message.id;
                handlers.onMessage(message);
              }
            }
          }
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        handlers.onError(new ApiError(0, 'network_error', `The live stream was interrupted (${error instanceof Error ? error.message : String(error)}); reconnecting.`));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * 2 ** attempt)));
    }
  };
  void run();
  return () => abort.abort();
}
