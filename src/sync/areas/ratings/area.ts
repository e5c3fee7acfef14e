// Ratings, both ways: stars here, 1..10 on Trakt (x2, exact), three-way merge.
import { RATINGS } from '../../merge/index.js';
import { listEndpoints, threeWayArea } from '../../core/list-area.js';

export const ratings = threeWayArea({
  name: 'ratings',
  setting: {
    key: 'sync_ratings', default: 'export', directions: ['off', 'import', 'export', 'both'], title: 'Ratings',
    description: "Half stars here map to Trakt's 1 to 10 (4.5 stars = 9).",
  },
  endpoints: listEndpoints('/sync/ratings', ['movies', 'shows', 'seasons', 'episodes']),
  paths: ['/sync/ratings'],
  activities: [['movies', 'rated_at'], ['shows', 'rated_at'], ['seasons', 'rated_at'], ['episodes', 'rated_at']],
  limit: 'ratings',
  libraryKind: 'ratings',
  codec: RATINGS,
  keep: (e) => ({ rating: e.rating, rated_at: e.rated_at }),
  newest: 'rated_at',
  extra: (o) => (o.rating ? { rating: o.rating, ...(o.rated_at_ms ? { rated_at_ms: o.rated_at_ms } : {}) } : {}),
});
