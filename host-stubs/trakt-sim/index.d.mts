// Types of the simulator's public API for TypeScript tests (the .mjs sources carry the
// same contracts as JSDoc). Keep in step with index.mjs.
import type { Server } from 'node:http';

export type Ids = { trakt?: number | string | null; slug?: string | null; imdb?: string | null; tmdb?: number | string | null; tvdb?: number | string | null };

export interface SimOptions {
  /** ms since epoch; default Date.now (pass the host's virtual clock in tests) */
  clock?: () => number;
  /** largest page size; bigger `limit`s are cut silently (default 100; Trakt's own is 250) */
  maxPageLimit?: number;
  /** Trakt's per-user rate limits (default true) */
  rateLimits?: boolean;
  /** access token lifetime, `expires_in` (default 7 days) */
  tokenLifetimeSec?: number;
  /** scrobble repeat window for items without a runtime (default 3600) */
  scrobbleRepeatWindowSec?: number;
  /** larger request bodies get 400 (default 1 MiB) */
  maxBodyBytes?: number;
  /** device code lifetime (default 600) */
  deviceExpiresInSec?: number;
  /** device polling interval (default 5) */
  deviceIntervalSec?: number;
}

export interface Limits {
  watchlist?: number; ratings?: number; history?: number; lists?: number; list_items?: number;
  favorites?: number; collection?: number; notes?: number; search_recent?: number;
}

export interface CatalogEpisode { number: number; title?: string; runtime?: number; ids: Ids & { trakt: number } }
export interface CatalogSeason { number: number; ids?: Ids; episodes: CatalogEpisode[] }
export interface CatalogMovie { title: string; year?: number; runtime?: number; released?: string; ids: Ids & { trakt: number } }
export interface CatalogShow { title: string; year?: number; runtime?: number; ids: Ids & { trakt: number }; seasons?: CatalogSeason[] }

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** lower-case names; Authorization as "Bearer <redacted>" */
  headers: Record<string, string>;
  /** parsed JSON or form (secrets redacted), raw text, or null */
  body: any;
  /** null while a hanging request is open */
  status: number | null;
  user?: string;
  /** which of Trakt's hosts it was meant for (api.trakt.tv, trakt.tv, auth.trakt.tv): X-Forwarded-Host, or the in-process URL's host; absent when the request named none */
  host?: string;
}

export interface TokenResponse {
  access_token: string; token_type: 'bearer'; expires_in: number; refresh_token: string; scope: 'public'; created_at: number;
}

export interface FaultSpec {
  method?: string;
  /** exact path (no query) or a RegExp tested on the path */
  path: string | RegExp;
  /** default 1 */
  count?: number;
  /** default 500 */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** never answer until stop() */
  hang?: boolean;
  /** the request reaches Trakt (a write lands); only the answer is the fault */
  apply?: boolean;
  /** a slow answer: this many ms late (no status: the real answer) */
  delayMs?: number;
  /** 200 (or `status`) with an HTML page instead of JSON; changes nothing */
  html?: 'cloudflare_1015' | 'maintenance';
  /** the real answer with its body cut short */
  truncate?: boolean;
  /** the real answer without its X-Pagination-* headers */
  dropPagination?: boolean;
  /** the real answer, `underTimeoutMs - 1` ms late (just inside a client's timeout) */
  underTimeoutMs?: number;
}

/** A list seed: its items as for seedWatchlist. */
export interface ListSeed {
  name: string;
  description?: string;
  privacy?: 'private' | 'link' | 'friends' | 'public';
  items?: SeedEntry[] | Record<string, unknown>;
  updated_at?: string | number;
}

/** A seed entry: one media reference plus attributes (timestamps as ISO string or ms). */
export interface SeedEntry {
  movie?: { ids: Ids };
  show?: { ids: Ids };
  season?: { ids?: Ids; number?: number };
  episode?: { ids?: Ids; season?: number; number?: number };
  watched_at?: string | number;
  action?: 'watch' | 'scrobble' | 'checkin';
  rating?: number;
  rated_at?: string | number;
  listed_at?: string | number;
  notes?: string;
}

/** Trakt's collection media fields (`metadata`); values from Trakt's vocabularies. */
export interface MediaInfo {
  /** digital, bluray, hddvd, dvd, vcd, vhs, betamax, laserdisc */
  media_type?: string | null;
  /** uhd_4k, hd_1080p, hd_1080i, hd_720p, sd_480p, sd_480i, sd_576p, sd_576i */
  resolution?: string | null;
  /** dolby_vision, hdr10, hdr10_plus, hlg */
  hdr?: string | null;
  /** lpcm, mp3, mp2, aac, ogg, ogg_opus, wma, flac, dts, dts_ma, dts_hr, dts_x, auro_3d, dolby_digital, dolby_digital_plus, dolby_digital_plus_atmos, dolby_atmos, dolby_truehd, dolby_prologic */
  audio?: string | null;
  /** 1.0, 2.0, 2.1, 3.0, 3.1, 4.0, 4.1, 5.0, 5.1, 5.1.2, 5.1.4, 6.1, 7.1, 7.1.2, 7.1.4, 9.1, 10.1 */
  audio_channels?: string | null;
  '3d'?: boolean;
}

/** A collection seed entry: a movie or episode, when collected, its media (top level or in `metadata`). */
export interface CollectionSeedEntry extends MediaInfo {
  movie?: { ids: Ids };
  show?: { ids: Ids };
  episode?: { ids?: Ids; season?: number; number?: number };
  collected_at?: string | number;
  metadata?: MediaInfo;
}

/** A paused playback seed entry: a movie or episode, progress 0..100, when paused. */
export interface PlaybackSeedEntry {
  movie?: { ids: Ids };
  show?: { ids: Ids };
  episode?: { ids?: Ids; season?: number; number?: number };
  progress: number;
  paused_at?: string | number;
}

/** Objects in Trakt's JSON shapes (history, ratings, watchlist items ...). */
export type TraktItem = Record<string, any>;

export class TraktSimulator {
  constructor(opts?: SimOptions);
  readonly options: Required<Omit<SimOptions, 'clock'>>;
  readonly requests: RecordedRequest[];
  port: number | null;
  origin: string | null;
  server: Server | null;
  now(): number;

  start(): Promise<{ port: number; origin: string }>;
  /** a stub host's origin map: https://api.trakt.tv, https://trakt.tv and https://auth.trakt.tv routed to this simulator (after start) */
  origins(): Record<string, string>;
  stop(): Promise<void>;

  addClient(client: { client_id: string; client_secret: string; redirect_uris?: string[]; name?: string }): this;
  addUser(user: { username: string; name?: string; vip?: boolean; limits?: Limits; locked?: boolean; deactivated?: boolean }): this;
  setAccount(username: string, patch: { locked?: boolean; deactivated?: boolean; vip?: boolean; limits?: Limits }): this;
  seedCatalog(seed: { movies?: CatalogMovie[]; shows?: CatalogShow[] }): this;

  approveDevice(user_code: string, username: string): boolean;
  denyDevice(user_code: string): boolean;
  authorize(p: { client_id: string; redirect_uri: string; state?: string; code_challenge?: string; code_challenge_method?: 'S256' | 'plain'; username: string; deny?: boolean }): string;
  tokensOf(username: string): Array<TokenResponse & { client_id: string; status: 'active' | 'expired' | 'refreshed' | 'revoked' }>;
  issueToken(username: string, client_id?: string): TokenResponse;
  revokeTokens(username: string): void;

  injectFault(spec: FaultSpec): { remaining: number; hits: number };
  clearFaults(): void;
  clearRequests(): void;

  seedHistory(username: string, entries: SeedEntry[] | Record<string, unknown>): TraktItem[];
  seedRatings(username: string, entries: SeedEntry[] | Record<string, unknown>): TraktItem[];
  seedWatchlist(username: string, entries: SeedEntry[] | Record<string, unknown>): TraktItem[];
  /** entries: an array, or a sync body (`{movies, shows, seasons, episodes}`; shows and seasons mean their episodes) */
  seedCollection(username: string, entries: CollectionSeedEntry[] | Record<string, unknown>): TraktItem[];
  /** returns the playbacks as GET /sync/playback items, with their ids */
  seedPlayback(username: string, entries: PlaybackSeedEntry[]): TraktItem[];

  history(username: string): TraktItem[];
  ratings(username: string): TraktItem[];
  watchlist(username: string): TraktItem[];
  playback(username: string): TraktItem[];
  /** newest first, one per movie or episode: `{ collected_at, updated_at, type, movie | episode+show, metadata }` */
  collection(username: string): TraktItem[];
  watching(username: string): TraktItem | null;
  lastActivities(username: string): Record<string, any>;
  playsOf(username: string, ref: SeedEntry): number;

  /** favorites (movies and shows) in the order given; returns GET /sync/favorites items */
  seedFavorites(username: string, entries: SeedEntry[] | Record<string, unknown>): TraktItem[];
  /** a personal list with its items in rank order; returns the list as GET /users/me/lists shows it */
  seedList(username: string, spec: ListSeed): TraktItem;
  /** `username` likes `owner`'s list (trakt id or slug) */
  likeList(username: string, owner: string, listId: number | string, o?: { liked_at?: string | number }): this;
  unlikeList(username: string, owner: string, listId: number | string): this;
  favorites(username: string): TraktItem[];
  lists(username: string): TraktItem[];
  listItems(owner: string, listId: number | string): TraktItem[];
  likedLists(username: string): TraktItem[];
  limits(username: string): Required<Limits>;
}

export default TraktSimulator;
