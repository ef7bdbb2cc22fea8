import { SluiceError } from '../core/errors.js';

/** What a name names, with a name people would recognise for it. */
const EXAMPLES = { source: 'Website', destination: 'Order webhook', token: 'CI deploy', member: 'Ada Lovelace' } as const;

/**
 * The name of a source, destination, API token or member as given, without the spaces around it; refused
 * (`validation_failed`) when nothing else is left: a blank name shows in the console as an empty, unclickable link,
 * and a blank token name as an empty actor in the audit log (`token:tok_… (   )`).
 * @example resourceName('  Website ', 'source') // 'Website'
 */
export function resourceName(raw: string, what: keyof typeof EXAMPLES): string {
  const name = raw.trim();
  if (name === '') throw new SluiceError('validation_failed', `name must not be blank: give the ${what} a name people will recognise, such as "${EXAMPLES[what]}".`, { path: 'name' });
  return name;
}
