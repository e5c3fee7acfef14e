// Every sync area, in the order a sync runs them. A new area is one folder in areas/ and
// one line here (see README "Sync areas"); its name, setting, endpoints and limits reach
// the rest of the plugin and the manifest from its declaration.
import { history } from './areas/history/area.js';
import { ratings } from './areas/ratings/area.js';
import { watchlist } from './areas/watchlist/area.js';
import { collection } from './areas/collection/area.js';
import { progress } from './areas/progress/area.js';
import { favorites } from './areas/favorites/area.js';
import { lists } from './areas/lists/area.js';

/** The areas, in sync order. */
export const AREAS = [history, ratings, watchlist, collection, progress, favorites, lists] as const;

/** The name of a sync area. */
export type AreaName = (typeof AREAS)[number]['name'];

/** The area of that name (throws for an unknown one). */
export function areaByName(name: AreaName) {
  const a = AREAS.find((x) => x.name === name);
  if (!a) throw new Error(`no sync area "${name}"`);
  return a;
}
