// Every sync area, in the order a sync runs them. A new area is one file in areas/ and
// one line here (see README "Sync areas").
import type { SyncArea } from './area.js';
import type { AreaName } from './job.js';
import { history } from './areas/history.js';
import { ratings } from './areas/ratings.js';
import { watchlist } from './areas/watchlist.js';
import { collection } from './areas/collection.js';
import { progress } from './areas/progress.js';

export const AREAS: readonly SyncArea[] = [history, ratings, watchlist, collection, progress];

export function areaByName(name: AreaName): SyncArea {
  const a = AREAS.find((x) => x.name === name);
  if (!a) throw new Error(`no sync area "${name}"`);
  return a;
}
