// The watchlist, both ways, three-way merge (a removal on one side is removed on the other).
import { planWatchlist } from '../../merge/index.js';
import { threeWayArea } from '../../core/list-area.js';

export const watchlist = threeWayArea({
  name: 'watchlist',
  direction: (u) => u.syncWatchlist,
  activities: [['movies', 'watchlisted_at'], ['shows', 'watchlisted_at'], ['seasons', 'watchlisted_at'], ['episodes', 'watchlisted_at'], ['watchlist', 'updated_at']],
  libraryKind: 'watchlist',
  lists: ['/sync/watchlist/movies', '/sync/watchlist/shows', '/sync/watchlist/seasons', '/sync/watchlist/episodes'],
  add: '/sync/watchlist',
  remove: '/sync/watchlist/remove',
  plan: planWatchlist,
  keep: (e) => ({ listed_at: e.listed_at }),
  extra: () => ({}),
});
