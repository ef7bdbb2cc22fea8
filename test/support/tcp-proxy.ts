import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (NATS), to cut one client off as a network partition would: `cut()` drops
 * every connection through it and refuses new ones (the client keeps trying to reconnect), `restore()` lets
 * connections through again.
 *
 * @example
 *   const proxy = await TcpProxy.start('127.0.0.1', 4222);
 *   const queue = await JetStreamDeliveryQueue.open({ url: proxy.url, ... });
 *   proxy.cut(); ... proxy.restore();
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    /** The proxy's address as a NATS URL. */
    readonly url: string,
  ) {}

  static async start(host: string, port: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy === undefined || proxy.isCut) return void client.destroy();
      const upstream = createConnection({ host, port });
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          proxy?.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
    proxy = new TcpProxy(server, `nats://127.0.0.1:${address.port}`);
    return proxy;
  }

  /** Drops every connection and refuses new ones until restore(). */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
