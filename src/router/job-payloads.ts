import type { DeliveryJob } from '../queue/queue.js';
import type { EventRepository } from '../store/store.js';

/** A job with its event in hand: carried by the job, or read back from the store. */
export type SendableJob = DeliveryJob & { json: string };

const carriesJson = (job: DeliveryJob): job is SendableJob => job.json !== undefined;

/**
 * Gives every job its event's JSON: jobs the queue kept by reference (`storedSeq`, no `json`) get their
 * stored payload, read in one query per batch just before sending, so what leaves is the event as stored now
 * (its IP truncated by retention meanwhile, say). A job whose stored event is gone (erased, or past retention)
 * comes back in `gone`: there is nothing left to send.
 */
export async function withPayloads(events: Pick<EventRepository, 'storedPayloads'>, jobs: readonly DeliveryJob[]): Promise<{ ready: SendableJob[]; gone: DeliveryJob[] }> {
  if (jobs.every(carriesJson)) return { ready: [...jobs], gone: [] };
  const byReference = jobs.filter((job) => !carriesJson(job));
  const payloads = await events.storedPayloads(
    byReference.map((job) => {
      if (job.storedSeq === undefined) throw new Error(`delivery job ${job.seq} of destination ${job.destinationId} carries neither the event nor a reference to it`);
      return { seq: job.storedSeq, workspaceId: job.workspaceId, sourceId: job.sourceId, messageId: job.messageId };
    }),
  );
  const read = new Map(byReference.map((job, i) => [job, payloads[i]] as const));
  const ready: SendableJob[] = [];
  const gone: DeliveryJob[] = [];
  for (const job of jobs) {
    if (carriesJson(job)) {
      ready.push(job);
      continue;
    }
    const json = read.get(job);
    // Kept on the job for its next attempt, should it retry.
    if (json !== undefined) ready.push(Object.assign(job, { json }));
    else gone.push(job);
  }
  return { ready, gone };
}
