// Favorites, both ways, three-way merge like the watchlist: movies and shows (Trakt has no
// others), a removal on one side is removed on the other, and the library's favorite events
// (hook `favorite`) start a sync of the area within seconds.
import { membership } from '../../merge/index.js';
import { listEndpoints, threeWayArea } from '../../core/list-area.js';

export const favorites = threeWayArea({
  name: 'favorites',
  setting: {
    key: 'sync_favorites', default: 'off', directions: ['off', 'import', 'export', 'both'], title: 'Favorites',
    description: 'Movies and shows marked as favorites on one side are marked (or unmarked) on the other.',
  },
  endpoints: listEndpoints('/sync/favorites', ['movies', 'shows']),
  paths: ['/sync/favorites'],
  activities: [['favorites', 'updated_at']],
  limit: 'favorites',
  limitMessage: 'Trakt keeps only a few favorites per account, and this one has reached its limit: unmark some on Trakt, or here, to send the rest.',
  libraryKind: 'favorites',
  hook: 'favorite',
  codec: membership('favorites', 'add_favorite', 'remove_favorite'),
  keep: (e) => ({ listed_at: e.listed_at }),
  extra: () => ({}),
});
