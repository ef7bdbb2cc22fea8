import { SluiceError } from '../core/errors.js';

/**
 * The name of a source or destination as given, without the spaces around it; refused (`validation_failed`)
 * when nothing else is left: a blank name shows in the console as an empty, unclickable link.
 * @example resourceName('  Website ', 'source') // 'Website'
 */
export function resourceName(raw: string, what: 'source' | 'destination'): string {
  const name = raw.trim();
  if (name === '') throw new SluiceError('validation_failed', `name must not be blank: give the ${what} a name people will recognise, such as "${what === 'source' ? 'Website' : 'Order webhook'}".`, { path: 'name' });
  return name;
}
