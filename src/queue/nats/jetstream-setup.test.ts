import { JetStreamApiError, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { ensureStream } from './jetstream-setup.js';

const STORE_FAILED = { code: 500, err_code: 10049, description: 'error creating store for stream' };
const NAME_IN_USE = { code: 400, err_code: 10058, description: 'stream name already in use with a different configuration' };
const REPLICAS = { code: 500, err_code: 10074, description: 'replicas > 1 not supported in non-clustered mode' };
const config = { name: 'S', subjects: ['s.>'] };

/** The stream calls ensureStream makes, answered from a script (the server's failures are not ours to provoke). */
function scriptedManager(answers: Array<'ok' | typeof STORE_FAILED | typeof NAME_IN_USE | typeof REPLICAS | Error>) {
  const calls: string[] = [];
  const answer = async (call: string) => {
    calls.push(call);
    const next = answers.shift() ?? 'ok';
    if (next instanceof Error) throw next;
    if (next !== 'ok') throw new JetStreamApiError(next);
  };
  const streams = {
    add: (c: Partial<StreamConfig>) => answer(`add ${c.name}`),
    update: (name: string) => answer(`update ${name}`),
  };
  return { jsm: { streams } as unknown as JetStreamManager, calls };
}

describe('ensureStream', () => {
  it('tries again when the server could not create the store, and succeeds when it can', async () => {
    const { jsm, calls } = scriptedManager([STORE_FAILED, STORE_FAILED, 'ok']);
    await ensureStream(jsm, config, [1, 1, 1]);
    expect(calls).toEqual(['add S', 'add S', 'add S']);
  });

  it('gives up with the server error once the tries are spent', async () => {
    const { jsm, calls } = scriptedManager([STORE_FAILED, STORE_FAILED, STORE_FAILED]);
    await expect(ensureStream(jsm, config, [1, 1])).rejects.toThrow('error creating store for stream');
    expect(calls).toHaveLength(3);
  });

  it('updates a stream that exists, and does not try again after other errors', async () => {
    const existing = scriptedManager([NAME_IN_USE, 'ok']);
    await ensureStream(existing.jsm, config, [1]);
    expect(existing.calls).toEqual(['add S', 'update S']);

    const refused = scriptedManager([new Error('permissions violation')]);
    await expect(ensureStream(refused.jsm, config, [1, 1])).rejects.toThrow('permissions violation');
    expect(refused.calls).toEqual(['add S']);
  });

  it('refuses SLUICE_QUEUE_REPLICAS above 1 on a single NATS server in a sentence naming the variable, not a stack trace', async () => {
    const { jsm, calls } = scriptedManager([REPLICAS]);
    await expect(ensureStream(jsm, { ...config, num_replicas: 3 }, [1, 1])).rejects.toMatchObject({
      code: 'invalid_config',
      message: 'SLUICE_QUEUE_REPLICAS=3: NATS refused the stream S with 3 replicas (replicas > 1 not supported in non-clustered mode). Set SLUICE_QUEUE_REPLICAS=1 on a single NATS server, or run a JetStream cluster of at least 3 nodes.',
    });
    expect(calls).toEqual(['add S']);
  });
});
