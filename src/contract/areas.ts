// What the rest of the plugin knows of each sync area, as plain data: its user setting,
// its Trakt endpoints, its last_activities fields, its account limit and its library
// kind. Derived from the areas' own declarations (src/sync/registry.ts, through
// ./area-table.ts), so an area is declared once.
import type { LibraryKind } from '../host/api.js';
import type { HookName } from './host.js';
import type { AreaName } from '../sync/registry.js';
import { AREA_TABLE } from './area-table.js';

/** Which way an area syncs (a user setting per area). */
export type Direction = 'off' | 'import' | 'export' | 'both';

/** A Trakt endpoint, as data (dvcol-style): a method and a path template (`:id` params). */
export interface Endpoint { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; /** A list read page by page. */ paged?: boolean }

/** An area's user setting, rendered on the user settings page. */
export interface AreaSetting {
  key: string;
  default: Direction;
  /** The directions this area offers (collection: off or export). */
  directions: readonly Direction[];
  title: string;
  description: string;
}

/** One sync area as data. */
export interface AreaInfo<N extends string = string> {
  name: N;
  setting: AreaSetting;
  /** Its Trakt endpoints: `read` lists (in order), and named writes. */
  endpoints: { read: readonly Endpoint[]; [write: string]: Endpoint | readonly Endpoint[] };
  /** Trakt path prefixes that belong to this area: an account limit (420) stops this area only. */
  paths: readonly string[];
  /** last_activities [group, field] pairs that move when Trakt's side of the area changes. */
  activities: ReadonlyArray<readonly [string, string]>;
  /** Its name in /users/settings `limits` (null: Trakt sets none). */
  limit: string | null;
  /** What a 420 on this area means, in words (a generic sentence when absent). */
  limitMessage?: string;
  libraryKind: LibraryKind;
  /**
   * The contract hook whose events change this area's library list (`favorite`): the
   * manifest lists it, and each event marks the area changed and starts a sync soon.
   */
  hook?: HookName;
}

/** The data part of an area declaration. */
export function areaInfo<N extends string>(a: AreaInfo<N>): AreaInfo<N> {
  const { name, setting, endpoints, paths, activities, limit, limitMessage, libraryKind, hook } = a;
  return { name, setting, endpoints, paths, activities, limit, ...(limitMessage ? { limitMessage } : {}), libraryKind, ...(hook ? { hook } : {}) };
}

/** Every area, in the order a sync runs them. */
export function areaTable(): readonly AreaInfo<AreaName>[] {
  return AREA_TABLE();
}

/** The area a Trakt path belongs to, or null. */
export function areaOfPath(path: string): AreaInfo<AreaName> | null {
  const p = path.split('?')[0]!;
  return areaTable().find((a) => a.paths.some((prefix) => p === prefix || p.startsWith(`${prefix}/`))) ?? null;
}
