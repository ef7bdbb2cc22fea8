import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, startTestSluice } from './support/start-test-sluice.js';

/**
 * A process shutting down (SIGTERM in a rolling restart) drains the requests it holds; a client whose keep-alive
 * connection is still open may send it one more. That request used to get Fastify's own answer,
 * `{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}`: not Sluice's error shape, no
 * code of docs/errors.md, no Retry-After. And `/health` said `starting` while the process was stopping.
 */

/** Raw HTTP/1.1 on one socket: a request still in flight (its body not finished) keeps the connection open during close. */
class RawConnection {
  private received = '';
  private readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    this.ended = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawConnection(socket);
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Every answer the server sent until it closed the connection: status, headers (lower-case) and body of each. */
  async answers(): Promise<{ status: number; headers: Record<string, string>; body: string }[]> {
    await this.ended;
    return this.received
      .split(/(?=HTTP\/1\.1 \d{3} )/)
      .filter(Boolean)
      .map((raw) => {
        const [head = '', body = ''] = raw.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        return { status: Number(statusLine.split(' ')[1]), headers, body };
      });
  }
}

describe('requests reaching a Sluice that is shutting down', () => {
  it('answers 503 not_ready with Retry-After in Sluice\'s error shape, and /health says stopping', async () => {
    const sluice = await startTestSluice({ SLUICE_LOG_LEVEL: 'silent' });
    const auth = `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}`;
    const event = JSON.stringify({ userId: 'u1', event: 'In flight', messageId: 'in-flight-1' });
    const half = Math.floor(event.length / 2);
    const track = `POST /v1/track HTTP/1.1\r\nHost: sluice\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${event.length}\r\n\r\n`;
    // Two connections, each with a request under way (headers sent, half the body) when the shutdown begins.
    const first = await RawConnection.open(sluice.url);
    const second = await RawConnection.open(sluice.url);
    for (const connection of [first, second]) connection.write(track + event.slice(0, half));
    await eventually(async () => ((await fetch(`${sluice.url}/health`)).status === 200 ? true : undefined));

    const closed = sluice.stop();
    // The server stops listening once it drains: from then on only the open connections reach it.
    await eventually(async () => fetch(`${sluice.url}/health`).then(() => undefined, () => true), 10_000);
    // Each in-flight request finishes, and one more arrives on its connection behind it (pipelined).
    const another = JSON.stringify({ userId: 'u1', event: 'After the shutdown began', messageId: 'late-1' });
    first.write(`${event.slice(half)}POST /v1/track HTTP/1.1\r\nHost: sluice\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${another.length}\r\n\r\n${another}`);
    second.write(`${event.slice(half)}GET /health HTTP/1.1\r\nHost: sluice\r\n\r\n`);
    const [firstAnswers, secondAnswers] = await Promise.all([first.answers(), second.answers()]);
    await closed;

    // What was under way is accepted.
    expect(firstAnswers[0]?.status).toBe(200);
    expect(secondAnswers[0]?.status).toBe(200);
    const late = firstAnswers[1];
    expect(late?.status).toBe(503);
    expect(late?.headers['retry-after']).toBe('1');
    expect(late?.headers.connection).toBe('close');
    expect(JSON.parse(late?.body ?? '')).toEqual({ error: { code: 'not_ready', message: expect.stringContaining('shutting down') as string } });
    const health = secondAnswers[1];
    expect(health?.status).toBe(503);
    expect(JSON.parse(health?.body ?? '')).toEqual({ status: 'stopping' });
    // Starting Sluice alone took 8-30 s at a load average of 30 (helpers testing side by side): not the default 30 s.
  }, 90_000);
});
