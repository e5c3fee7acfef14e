// Server and user settings as saved by the host (manifest schemas), with the manifest's
// defaults applied. A value of the wrong type falls back to its default rather than
// failing the hook: the host validated the form; stale values must not stop scrobbling.
import type { HostApi } from '../host/api.js';

import type { Direction } from '../contract/areas.js';
import { areaTable } from '../contract/areas.js';
import { userDefault, userRange } from '../contract/settings.js';
import type { AreaName } from '../sync/registry.js';

/** Which way a sync area goes (a user setting per area). */
export type SyncDirection = Direction;

/** The admin's settings: the Trakt app's client id and secret, and the redirect URI. */
export interface ServerSettings { clientId: string; clientSecret: string; redirectUri: string }
/** A user's settings with the declared defaults applied. */
export interface UserSettings {
  scrobble: boolean;
  /** Each sync area's direction, by area name (declared by the area: src/sync/registry.ts). */
  areas: Record<AreaName, Direction>;
  movies: boolean;
  episodes: boolean;
  excludeShows: string[];
  minProgress: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const bool = (v: unknown, key: string) => (typeof v === 'boolean' ? v : userDefault<boolean>(key));

/** Server settings with blanks for what the admin has not entered. */
export function parseServerSettings(raw: Record<string, unknown> | null | undefined): ServerSettings {
  const s = raw ?? {};
  return { clientId: str(s.client_id), clientSecret: str(s.client_secret), redirectUri: str(s.redirect_uri) };
}

/** User settings with the declared defaults for what is missing or of the wrong kind. */
export function parseUserSettings(raw: Record<string, unknown> | null | undefined): UserSettings {
  const s = raw ?? {};
  const { min: lo, max: hi } = userRange('min_progress_percent');
  const mp = s.min_progress_percent;
  const areas = {} as Record<AreaName, Direction>;
  for (const a of areaTable()) {
    const v = s[a.setting.key];
    areas[a.name] = a.setting.directions.includes(v as Direction) ? (v as Direction) : a.setting.default;
  }
  return {
    scrobble: bool(s.scrobble, 'scrobble'),
    areas,
    movies: bool(s.scrobble_movies, 'scrobble_movies'),
    episodes: bool(s.scrobble_episodes, 'scrobble_episodes'),
    excludeShows: Array.isArray(s.exclude_shows) ? s.exclude_shows.filter((x): x is string => typeof x === 'string').map((x) => x.trim().toLowerCase()).filter(Boolean) : [],
    minProgress: typeof mp === 'number' && mp >= lo && mp <= hi ? mp : userDefault<number>('min_progress_percent'),
  };
}

/** Reads and parses the server settings and, for a user, their settings. */
export function loadSettings(host: HostApi, userId?: string): { server: ServerSettings; user: UserSettings } {
  const raw = host.settingsGet(userId);
  return { server: parseServerSettings(raw.server), user: parseUserSettings(raw.user) };
}

/** Whether a direction sends this side's changes to Trakt. */
export const exportsToTrakt = (d: SyncDirection) => d === 'export' || d === 'both';

/** The settings that leave items out of scrobbling and syncs. */
export type Exclusions = Pick<UserSettings, 'movies' | 'episodes' | 'excludeShows'>;

/** Whether the user's settings leave this item out of scrobbling and every sync area. */
export function isExcluded(user: Exclusions, item: { type: string; title?: string | null; show?: { title?: string | null } }): boolean {
  if (item.type === 'movie') return !user.movies;
  if (!user.episodes) return true; // shows, seasons and episodes are TV
  const title = (item.type === 'show' ? item.title : item.show?.title)?.trim().toLowerCase();
  return !!title && user.excludeShows.includes(title);
}
