import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real receiver on a fixed port: down (connection refused) until `up()`, then answering `status()` to each post. */
export class LateReceiver {
  readonly posts: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = [];
  status = () => 200;
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** A port nothing listens on (yet). */
  static async down(): Promise<LateReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    return new LateReceiver(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/alerts`;
  }

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const status = this.status();
        if (status < 300) this.posts.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: req.headers });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}
