/**
 * Who takes a step: the actor (`api-auth.ts`'s string, `system`, `subject (...)`), with the IP address of the HTTP
 * request that asked for it when one did, which the audit log records as it does for every other API call.
 */
export type StepActor = string | { readonly actor: string; readonly ip: string };

/** The actor's name, as the request's history and the audit log record it. */
export const nameOf = (by: StepActor): string => (typeof by === 'string' ? by : by.actor);

/** The IP address of the HTTP request that asked for the step, when one did. */
export const ipOf = (by: StepActor): string | undefined => (typeof by === 'string' ? undefined : by.ip);
