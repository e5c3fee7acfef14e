// Trakt's endpoints outside the sync areas, as data (each area declares its own:
// src/sync/areas/*/area.ts). A path template names its parameters `:name`; `pathOf` fills
// them in, encoded.
import type { Endpoint } from '../contract/areas.js';

/** Endpoints the plugin calls outside the sync areas. */
export const TRAKT = {
  lastActivities: { method: 'GET', path: '/sync/last_activities' },
  userSettings: { method: 'GET', path: '/users/settings' },
  scrobble: { method: 'POST', path: '/scrobble/:action' },
  search: { method: 'GET', path: '/search/:idType/:id' },
  movie: { method: 'GET', path: '/movies/:slug' },
  show: { method: 'GET', path: '/shows/:slug' },
  episode: { method: 'GET', path: '/shows/:slug/seasons/:season/episodes/:episode' },
  /** The duplicate clean-up (src/cleanup): the history read in full, and removals by history id (`{ ids }`). */
  historyMovies: { method: 'GET', path: '/sync/history/movies', paged: true },
  historyEpisodes: { method: 'GET', path: '/sync/history/episodes', paged: true },
  historyRemove: { method: 'POST', path: '/sync/history/remove' },
} as const satisfies Record<string, Endpoint>;

/** The endpoint's path with its `:params` filled in (URI-encoded) and an optional query. */
export function pathOf(e: Endpoint, params: Record<string, string | number> = {}, query?: string): string {
  const path = e.path.replace(/:([a-zA-Z]+)/g, (_, k: string) => {
    if (!(k in params)) throw new Error(`${e.path}: no value for :${k}`);
    return encodeURIComponent(String(params[k]));
  });
  return query ? `${path}?${query}` : path;
}

/** Trakt's website, where an item's page is (Open on Trakt). */
export const TRAKT_WEB = 'https://trakt.tv';
