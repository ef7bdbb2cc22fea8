/**
 * The shapes of the actors Sluice writes to the audit log, so an exact `actor` filter that fits none of them
 * (`?actor=owner`, `?actor=ada@example.com`, `member:mem_1` without its email) is refused with the shapes instead of
 * answering an empty log, as an unknown `action` is (`audit-actions.ts`). Actors are open-ended (a member's email, a
 * token's name), so the check is by shape, not by a list:
 * - `member:<id> (<email>)`: a member signed in to the console;
 * - `token:<id> (<name>)`, or `token:<id> (<name>) of member:<id> (<email>)`: an API token (of a member);
 * - `system`, `cli`, `anonymous` (a password reset asked for by email);
 * - `subject (<how>)`: a data subject's step of a privacy request (`subject (source src_1)`,
 *   `subject (one-time code by email)`, `subject (signed download link)`).
 */
const ACTOR_SHAPES: readonly RegExp[] = [/^member:\S+ \(.+\)$/, /^token:\S+ \(.*\)$/, /^(system|cli|anonymous)$/, /^subject \(.+\)$/];

/** Whether an exact actor filter has a shape Sluice records (an entry's actor could equal it). */
export function isAuditActorShape(actor: string): boolean {
  return ACTOR_SHAPES.some((shape) => shape.test(actor));
}

/** The sentence naming the shapes, for the error that refuses an actor filter fitting none. */
export function auditActorShapes(): string {
  return '"member:<id> (<email>)", "token:<id> (<name>)" (a member\'s token: "token:<id> (<name>) of member:<id> (<email>)"), "system", "cli", "anonymous" and "subject (<how>)" for a data subject\'s steps of a privacy request';
}

/** What a filter that fits no shape most likely meant, as advice: a prefix for an id given alone, `actorContains` otherwise. */
export function auditActorAdvice(actor: string): string {
  if (/^(member|token):\S+$/.test(actor)) return `For every entry of ${actor}, end it with * (actor=${actor}*), or search with actorContains=${actor}.`;
  return `To find a member by email or a token by name, use actorContains (actorContains=${actor} matches part of the actor, ignoring case).`;
}
