import type { FastifyReply } from 'fastify';
import type { SluiceError } from '../core/errors.js';

/**
 * Answers a `<script src>` request that Sluice refuses (a wrong or disabled writeKey) with a script that says
 * why in the browser's console. A script tag shows no response body, and browsers run no script answered
 * with an error status (the console would only say "Failed to load resource: 401"), so the answer is a 200
 * script, never cached, with the error's code in `X-Sluice-Error` for the network tab.
 */
export function sendScriptError(reply: FastifyReply, what: string, error: SluiceError, hint: string): FastifyReply {
  const message = `${what}: ${error.message} (${error.code}). ${hint}`;
  return reply
    .code(200)
    .type('application/javascript; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('X-Sluice-Error', error.code)
    .send(`console.error(${JSON.stringify(message)});\n`);
}
