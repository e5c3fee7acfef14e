// Every sync area, in the order a sync runs them. A new area is one file in areas/ and
// one line here (see README "Sync areas").
import type { SyncArea } from './core/area.js';
import type { AreaName } from './core/job.js';
import { history } from './areas/history/area.js';
import { ratings } from './areas/ratings/area.js';
import { watchlist } from './areas/watchlist/area.js';
import { collection } from './areas/collection/area.js';
import { progress } from './areas/progress/area.js';

export const AREAS: readonly SyncArea[] = [history, ratings, watchlist, collection, progress];

export function areaByName(name: AreaName): SyncArea {
  const a = AREAS.find((x) => x.name === name);
  if (!a) throw new Error(`no sync area "${name}"`);
  return a;
}
