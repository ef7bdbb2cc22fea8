import type { JsonObject, JsonValue } from '../../protocol/segment-event.js';

function ageFromBirthday(value: string, now: Date): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1900) return undefined;
  let age = now.getUTCFullYear() - year;
  if (now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day)) age--;
  return age;
}

function traitAge(traits: JsonValue | undefined, now: Date): number | undefined {
  if (!traits || typeof traits !== 'object' || Array.isArray(traits)) return undefined;
  const t = traits as JsonObject;
  const age = t.age;
  if (typeof age === 'number' && Number.isFinite(age) && age >= 0 && age < 150) return age;
  if (typeof age === 'string' && /^\d{1,3}$/.test(age.trim())) return Number(age.trim());
  for (const key of ['birthday', 'birthdate', 'dateOfBirth', 'date_of_birth']) {
    const value = t[key];
    if (typeof value === 'string') {
      const fromBirthday = ageFromBirthday(value, now);
      if (fromBirthday !== undefined && fromBirthday >= 0) return fromBirthday;
    }
  }
  return undefined;
}

/**
 * The subject's age as an event's traits show it (`traits.age`, `traits.birthday`, also in
 * `context.traits`), or undefined when the event says nothing about it. A group call's `traits` are the
 * group's (an account three years old is no child), so only its `context.traits` speak of the sender.
 */
export function ageOfEvent(event: { type?: string; traits?: JsonObject; context?: JsonObject }, now: Date): number | undefined {
  return (event.type === 'group' ? undefined : traitAge(event.traits, now)) ?? traitAge(event.context?.traits, now);
}
