// The no-storage baseline: the same Fastify, the same Tracking API body parsing (JSON, text/plain, gzip,
// limits) and the same routes, answering 200 once the body is parsed. No writeKey lookup, no normalization,
// no queue, no disk. Sluice's figures are reported as a ratio of this server's, measured in the same run.
import Fastify from 'fastify';
import { installTrackingBodyParsing } from '../../src/ingest/body-parsing.js';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, keepAliveTimeout: 65_000 });
await app.register(async (scope) => {
  installTrackingBodyParsing(scope);
  for (const path of ['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch', 'import']) {
    scope.post(`/v1/${path}`, async () => ({ success: true }));
  }
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
