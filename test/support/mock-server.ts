import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A request the mock received, body decoded (gzip undone) and parsed when it is JSON. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  text: string;
  json: unknown;
}

export interface MockReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A real local HTTP server standing in for a third-party API: it records every request and answers with
 * what `handle` returns (the tool's documented validation, errors and throttling, written per test).
 */
export interface MockServer {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startMockServer(
  handle: (request: ReceivedRequest) => MockReply | Promise<MockReply>,
  options: { decodeGzip?: boolean } = {},
): Promise<MockServer> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip' && options.decodeGzip !== false) raw = gunzipSync(raw);
        const text = raw.toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const url = new URL(req.url ?? '/', 'http://mock');
        const request: ReceivedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, raw, text, json };
        received.push(request);
        const reply = await handle(request);
        const body = reply.body === undefined ? '' : Buffer.isBuffer(reply.body) || typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const type = Buffer.isBuffer(reply.body) ? 'application/octet-stream' : typeof reply.body === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(reply.status, { 'content-type': type, ...(reply.headers ?? {}) });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
