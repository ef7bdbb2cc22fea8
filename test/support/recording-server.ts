import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly raw: string;
  readonly body: unknown;
  readonly at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this many ms. */
  delayMs?: number;
  /** Answer once this settles (an endpoint that hangs until the test lets it go). */
  until?: Promise<unknown>;
}

/**
 * A real local HTTP server standing in for a destination: records every request and answers as the test
 * says (`respond`), e.g. failing on command or answering slowly.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  respond: (request: RecordedRequest) => Reply = () => ({ status: 200 });
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // keep raw text
        }
        const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body, at: Date.now() };
        const reply = this.respond(recorded);
        const send = () => {
          if (reply.status >= 200 && reply.status < 300) this.requests.push(recorded);
          else this.failures.push(recorded);
          res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
          res.end(reply.body ?? '{}');
        };
        if (reply.until) void reply.until.finally(send);
        else if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
  }

  /** Requests answered with a non-2xx status. */
  readonly failures: RecordedRequest[] = [];

  static async start(): Promise<RecordingServer> {
    const server = new RecordingServer();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Every event received (single events and batch items), in arrival order. */
  events(): Record<string, unknown>[] {
    return this.requests.flatMap((r) => {
      const body = r.body as Record<string, unknown>;
      return Array.isArray(body.batch) ? (body.batch as Record<string, unknown>[]) : [body];
    });
  }

  /** The deletion calls (`{"type":"delete",...}`) it accepted for a userId. */
  deletions(userId: string): RecordedRequest[] {
    return this.requests.filter((r) => {
      const body = r.body as { type?: unknown; userId?: unknown };
      return body.type === 'delete' && body.userId === userId;
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
