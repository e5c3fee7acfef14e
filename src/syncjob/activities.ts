// GET /sync/last_activities tells which areas changed on Trakt since the last sync: an
// idle user then costs this one request.
export type Area = 'history' | 'ratings' | 'watchlist';

const FIELDS: Record<Area, Array<[string, string]>> = {
  history: [['movies', 'watched_at'], ['episodes', 'watched_at']],
  ratings: [['movies', 'rated_at'], ['episodes', 'rated_at']],
  watchlist: [['movies', 'watchlisted_at'], ['episodes', 'watchlisted_at'], ['watchlist', 'updated_at']],
};

export type Activities = Record<string, Record<string, string> | string>;

export function stamp(a: Activities | null | undefined, area: Area): string {
  if (!a) return '';
  return FIELDS[area].map(([group, field]) => {
    const g = a[group];
    return g && typeof g === 'object' && typeof g[field] === 'string' ? g[field] : '';
  }).join('|');
}

/** Whether Trakt's side of the area changed since `seen` (always true without a `seen`). */
export function changed(seen: Activities | null | undefined, now: Activities, area: Area): boolean {
  return !seen || stamp(seen, area) !== stamp(now, area);
}
