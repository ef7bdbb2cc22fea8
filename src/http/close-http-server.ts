import type { FastifyInstance } from 'fastify';

/** How often, while the server drains, connections that have become idle are closed. */
const IDLE_SWEEP_MS = 100;

/**
 * Closes the HTTP server of a process that shuts down, without waiting on its clients. `server.close()` stops
 * listening and closes the keep-alive connections idle at that moment, then waits for every other one to end: a
 * connection whose request was under way became idle right after its answer and stayed open until the client or the
 * keep-alive timeout (65 s) closed it, and a client that stalled in the middle of sending a body held the stop until
 * the request timeout. So shutting down an embedded Sluice that had been taking traffic took up to a minute.
 * Now idle connections are closed as they become idle, and whatever is still open after `graceMs` (a stalled upload,
 * a response the client does not read) is cut: its request had not been answered, so nothing it sent counts as
 * accepted, and the client sends it again (to this process once restarted, or to another).
 */
export async function closeHttpServer(app: FastifyInstance, graceMs: number): Promise<void> {
  const server = app.server;
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
