// GET /sync/last_activities tells which areas changed on Trakt since the last sync: an
// idle user then costs this one request. Each area declares its own fields (area.ts).
/** Trakt's /sync/last_activities answer: per group, the time each kind of change last happened. */
export type Activities = Record<string, Record<string, string> | string>;
/** The [group, field] pairs of last_activities an area watches. */
export type ActivityFields = ReadonlyArray<readonly [string, string]>;

/** The watched fields' values joined into one string: a change of any of them changes the stamp. */
export function stamp(a: Activities | null | undefined, fields: ActivityFields): string {
  if (!a) return '';
  return fields.map(([group, field]) => {
    const g = a[group];
    return g && typeof g === 'object' && typeof g[field] === 'string' ? g[field] : '';
  }).join('|');
}

/** Whether Trakt's side of the area changed since `seen` (always true without a `seen`). */
export function changed(seen: Activities | null | undefined, now: Activities, fields: ActivityFields): boolean {
  return !seen || stamp(seen, fields) !== stamp(now, fields);
}

/** Per field: false if `now` has what `seen` had, else what `seen` had (null: nothing). */
export function movedFrom(seen: Activities, now: Activities, fields: ActivityFields): Array<string | null | false> {
  const at = (a: Activities, [group, field]: readonly [string, string]) => {
    const g = a[group];
    return g && typeof g === 'object' && typeof g[field] === 'string' ? g[field]! : null;
  };
  return fields.map((f) => (at(seen, f) === at(now, f) ? false : at(seen, f)));
}

/**
 * `now` with `fields` put back as `seen` had them: an area that stopped before it finished
 * (an account limit) must find its side still changed at the next sync.
 */
export function withFieldsOf(now: Activities, seen: Activities | null | undefined, fields: ActivityFields): Activities {
  const out: Activities = JSON.parse(JSON.stringify(now));
  for (const [group, field] of fields) {
    const g = out[group];
    if (!g || typeof g !== 'object') continue;
    const old = seen?.[group];
    if (old && typeof old === 'object' && typeof old[field] === 'string') g[field] = old[field];
    else delete g[field];
  }
  return out;
}
