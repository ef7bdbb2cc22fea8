import { SMTPServer } from 'smtp-server';

/** One message a real SMTP server received, decoded enough for tests to read it. */
export interface CapturedMail {
  /** Envelope sender (MAIL FROM) and recipients (RCPT TO). */
  envelopeFrom: string;
  envelopeTo: string[];
  /** Header values by lower-case name (the first of each), decoded from RFC 2047 words. */
  headers: Record<string, string>;
  from: string;
  to: string;
  subject: string;
  /** The text/plain body, decoded (quoted-printable or base64). */
  text: string;
  /** The text/html alternative, decoded, when there is one. */
  html: string | undefined;
  /** The message exactly as received. */
  raw: string;
  /** The SMTP user that authenticated, when the server asked for credentials. */
  user: string | undefined;
}

export interface SmtpCapture {
  /** `smtp://[user:pass@]127.0.0.1:<port>`: set it as SLUICE_SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Every message received, oldest first. */
  readonly messages: CapturedMail[];
  /** Resolves with the first (already or later) received message matching `predicate`. */
  waitFor(predicate: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Every attempt to hand a message over (each MAIL FROM), refused ones included. */
  readonly attempts: number;
  /** Stops listening (a mail server down: connections are refused) until `up()`; open connections are closed with a 421. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials (put into `url`); no AUTH when absent. */
  auth?: { user: string; password: string };
  /** Recipients the server refuses with `550` at RCPT TO. */
  refuse?: (address: string) => boolean;
  /** Recipients the server refuses for now with `451` at RCPT TO (asked again each time: a test can change its answer). */
  refuseForNow?: (address: string) => boolean;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a random port that keeps what it receives,
 * for tests of anything that sends email. Plain SMTP (no STARTTLS), so no certificate is involved.
 *
 * @example
 *   const smtp = await startSmtpCapture();
 *   const sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'sluice@example.test' });
 *   const mail = await smtp.waitFor((m) => m.to.includes('ana@example.test'));
 *   const link = linkIn(mail.text, 'https://sluice.example.test/invite');
 */
export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  let attempts = 0;
  const create = () =>
    new SMTPServer({
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 50,
      onAuth(auth, _session, callback) {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.password) return callback(null, { user: auth.username });
        return callback(new Error('Invalid username or password'));
      },
      onMailFrom(_address, _session, callback) {
        attempts++;
        return callback();
      },
      onRcptTo(address, _session, callback) {
        if (options.refuse?.(address.address)) {
          const error = Object.assign(new Error(`Mailbox ${address.address} unavailable`), { responseCode: 550 });
          return callback(error);
        }
        if (options.refuseForNow?.(address.address)) {
          const error = Object.assign(new Error(`Mailbox ${address.address} temporarily unavailable, try again later`), { responseCode: 451 });
          return callback(error);
        }
        return callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const from = session.envelope.mailFrom;
          messages.push({
            ...parseMessage(raw),
            raw,
            envelopeFrom: from ? from.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          for (const wake of waiters) wake();
          callback();
        });
      },
    });
  const listen = async (onPort: number) => {
    const created = create();
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(onPort, '127.0.0.1', () => resolve());
    });
    return created;
  };
  let server: SMTPServer | undefined = await listen(0);
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp capture: no TCP address');
  const port = address.port;
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.password)}@` : '';
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`smtp capture: no matching message within ${timeoutMs} ms (received ${messages.length}: ${messages.map((m) => `${m.to} "${m.subject}"`).join('; ') || 'none'})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        if (!check()) waiters.add(check);
      });
    },
    get attempts() {
      return attempts;
    },
    down: stop,
    async up() {
      server ??= await listen(port);
    },
    close: stop,
  };
}

/** The first URL in `text` that starts with `prefix` (e.g. the invitation link). */
export function linkIn(text: string, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}[^\\s"'<>]*`).exec(text);
  if (!match) throw new Error(`no link starting with ${prefix} in:\n${text}`);
  return match[0];
}

interface Part {
  headers: Record<string, string>;
  body: string;
}

function splitHeaders(raw: string): Part {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_all, _charset: string, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function leaves(part: Part): Part[] {
  const type = part.headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1);
  return sections.filter((s) => !s.startsWith('--')).flatMap((s) => leaves(splitHeaders(s.replace(/^\n/, '').replace(/\n$/, ''))));
}

function parseMessage(raw: string) {
  const top = splitHeaders(raw);
  const parts = leaves(top);
  const of = (mime: string) => parts.find((p) => (p.headers['content-type'] ?? 'text/plain').toLowerCase().startsWith(mime));
  const text = of('text/plain');
  const html = of('text/html');
  return {
    headers: top.headers,
    from: top.headers.from ?? '',
    to: top.headers.to ?? '',
    subject: top.headers.subject ?? '',
    text: text ? decodeBody(text).replace(/\n$/, '') : '',
    html: html ? decodeBody(html) : undefined,
  };
}
