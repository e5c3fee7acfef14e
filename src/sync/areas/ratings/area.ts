// Ratings, both ways: stars here, 1..10 on Trakt (x2, exact), three-way merge.
import { planRatings } from '../../merge/index.js';
import { threeWayArea } from '../../core/list-area.js';

export const ratings = threeWayArea({
  name: 'ratings',
  direction: (u) => u.syncRatings,
  activities: [['movies', 'rated_at'], ['shows', 'rated_at'], ['seasons', 'rated_at'], ['episodes', 'rated_at']],
  libraryKind: 'ratings',
  lists: ['/sync/ratings/movies', '/sync/ratings/shows', '/sync/ratings/seasons', '/sync/ratings/episodes'],
  add: '/sync/ratings',
  remove: '/sync/ratings/remove',
  plan: planRatings,
  keep: (e) => ({ rating: e.rating, rated_at: e.rated_at }),
  extra: (o) => (o.rating ? { rating: o.rating, ...(o.rated_at_ms ? { rated_at_ms: o.rated_at_ms } : {}) } : {}),
});
