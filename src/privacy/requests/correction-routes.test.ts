import { describe, expect, it } from 'vitest';
import { correctionRoutes } from './correction-routes.js';

const web = { id: 'src_web' };
const app = { id: 'src_app' };
const dest = (id: string, sourceIds: string[] | null, enabled = true) => ({ id, name: `${id} name`, enabled, sourceIds });

describe('the sources a correction goes through', () => {
  it.each([
    ['every destination fed by every source: one copy on the first source, to all', [web, app], [dest('a', null), dest('b', null)], [{ sourceId: 'src_web', destinationIds: ['a', 'b'], integrations: {} }]],
    ['a destination fed only by the second source: a second copy, naming it alone', [web, app], [dest('a', null), dest('m', ['src_app'])], [
      { sourceId: 'src_web', destinationIds: ['a'], integrations: {} },
      { sourceId: 'src_app', destinationIds: ['m'], integrations: { All: false, 'm name': true } },
    ]],
    ['a destination fed by both is sent one copy (the first source\'s)', [web, app], [dest('both', ['src_web', 'src_app']), dest('m', ['src_app'])], [
      { sourceId: 'src_web', destinationIds: ['both'], integrations: {} },
      { sourceId: 'src_app', destinationIds: ['m'], integrations: { All: false, 'm name': true } },
    ]],
    ['the first source feeds nothing: the copy goes where the destinations are', [web, app], [dest('m', ['src_app'])], [{ sourceId: 'src_app', destinationIds: ['m'], integrations: {} }]],
    ['a disabled destination is not planned for', [web, app], [dest('off', ['src_app'], false)], [{ sourceId: 'src_web', destinationIds: [], integrations: {} }]],
    ['no destination: one copy on the first source (the profile is still corrected)', [web], [], [{ sourceId: 'src_web', destinationIds: [], integrations: {} }]],
    ['no source: nothing to send through', [], [dest('a', null)], []],
  ])('%s', (_, sources, destinations, routes) => {
    expect(correctionRoutes(sources, destinations)).toEqual(routes);
  });
});
