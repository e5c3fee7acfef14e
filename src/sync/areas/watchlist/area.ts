// The watchlist, both ways, three-way merge (a removal on one side is removed on the other).
import { WATCHLIST } from '../../merge/index.js';
import { listEndpoints, threeWayArea } from '../../core/list-area.js';

export const watchlist = threeWayArea({
  name: 'watchlist',
  setting: {
    key: 'sync_watchlist', default: 'export', directions: ['off', 'import', 'export', 'both'], title: 'Watchlist',
    description: "Items added or removed on one side are added or removed on the other.",
  },
  endpoints: listEndpoints('/sync/watchlist', ['movies', 'shows', 'seasons', 'episodes']),
  paths: ['/sync/watchlist'],
  activities: [['movies', 'watchlisted_at'], ['shows', 'watchlisted_at'], ['seasons', 'watchlisted_at'], ['episodes', 'watchlisted_at'], ['watchlist', 'updated_at']],
  limit: 'watchlist',
  libraryKind: 'watchlist',
  codec: WATCHLIST,
  keep: (e) => ({ listed_at: e.listed_at }),
  extra: () => ({}),
});
