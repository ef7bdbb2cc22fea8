/**
 * The messageIds of a webhook body (`{"batch":[...]}` or one event), as the benchmarks' local sinks count
 * arrivals. The sink stands for a destination on another machine, yet shares the process (and the 2 cores)
 * with Sluice: parsing every body it receives (JSON.parse of 100 nested events per request, and the garbage
 * that leaves) took about a tenth of the machine from Sluice during end-to-end runs. A scan for the
 * `"messageId":"..."` members costs a fraction of that. It relies on what Sluice sends (JSON.stringify output,
 * no spaces) and on the benchmarks' events, which carry no other member of that name.
 */
const MESSAGE_ID = /"messageId":"((?:[^"\\]|\\.)*)"/g;

export function sinkMessageIds(body: string): string[] {
  const ids: string[] = [];
  for (const match of body.matchAll(MESSAGE_ID)) ids.push(match[1]!);
  return ids;
}
