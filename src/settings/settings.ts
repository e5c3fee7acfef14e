// Server and user settings as saved by the host (manifest schemas), with the manifest's
// defaults applied. A value of the wrong type falls back to its default rather than
// failing the hook: the host validated the form; stale values must not stop scrobbling.
import type { HostApi } from '../host/api.js';

export type SyncDirection = 'off' | 'import' | 'export' | 'both';
const DIRECTIONS: readonly SyncDirection[] = ['off', 'import', 'export', 'both'];

export interface ServerSettings { clientId: string; clientSecret: string; redirectUri: string }
export interface UserSettings {
  scrobble: boolean;
  syncHistory: SyncDirection;
  syncRatings: SyncDirection;
  syncWatchlist: SyncDirection;
  /** The library's files to Trakt's collection: export only (Trakt cannot add files here). */
  syncCollection: 'off' | 'export';
  /** Resume points (paused playback), default off. */
  syncProgress: SyncDirection;
  movies: boolean;
  episodes: boolean;
  excludeShows: string[];
  minProgress: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
const dir = (v: unknown, d: SyncDirection = 'export'): SyncDirection => (DIRECTIONS.includes(v as SyncDirection) ? (v as SyncDirection) : d);

export function parseServerSettings(raw: Record<string, unknown> | null | undefined): ServerSettings {
  const s = raw ?? {};
  return { clientId: str(s.client_id), clientSecret: str(s.client_secret), redirectUri: str(s.redirect_uri) };
}

export function parseUserSettings(raw: Record<string, unknown> | null | undefined): UserSettings {
  const s = raw ?? {};
  const min = typeof s.min_progress_percent === 'number' && s.min_progress_percent >= 50 && s.min_progress_percent <= 100 ? s.min_progress_percent : 80;
  return {
    scrobble: bool(s.scrobble, true),
    syncHistory: dir(s.sync_history),
    syncRatings: dir(s.sync_ratings),
    syncWatchlist: dir(s.sync_watchlist),
    syncCollection: s.sync_collection === 'export' ? 'export' : 'off',
    syncProgress: dir(s.sync_progress, 'off'),
    movies: bool(s.scrobble_movies, true),
    episodes: bool(s.scrobble_episodes, true),
    excludeShows: Array.isArray(s.exclude_shows) ? s.exclude_shows.filter((x): x is string => typeof x === 'string').map((x) => x.trim().toLowerCase()).filter(Boolean) : [],
    minProgress: min,
  };
}

export function loadSettings(host: HostApi, userId?: string): { server: ServerSettings; user: UserSettings } {
  const raw = host.settingsGet(userId);
  return { server: parseServerSettings(raw.server), user: parseUserSettings(raw.user) };
}

/** Whether a direction sends this side's changes to Trakt. */
export const exportsToTrakt = (d: SyncDirection) => d === 'export' || d === 'both';

export type Exclusions = Pick<UserSettings, 'movies' | 'episodes' | 'excludeShows'>;

/** Whether the user's settings leave this item out of scrobbling and every sync area. */
export function isExcluded(user: Exclusions, item: { type: string; title?: string | null; show?: { title?: string | null } }): boolean {
  if (item.type === 'movie') return !user.movies;
  if (!user.episodes) return true; // shows, seasons and episodes are TV
  const title = (item.type === 'show' ? item.title : item.show?.title)?.trim().toLowerCase();
  return !!title && user.excludeShows.includes(title);
}
