// The fault kinds of the simulated world. HTTP faults are injected into the Trakt
// simulator just before the request they hit (host-stubs/trakt-sim/faults.mjs), so the
// simulator's own fault path answers them; the others act on the host (crashes), the
// clock, or the delivery of events.

/** @typedef {{ status?: number, headers?: Record<string, string>, body?: string, hang?: boolean, apply?: boolean, delayMs?: number }} Spec */

/** @type {Record<string, { writesOnly?: boolean, spec: (rng: import('./rng.mjs').Rng) => Spec }>} */
export const HTTP_FAULTS = {
  '5xx': { spec: (r) => ({ status: r.pick([500, 502, 503, 504]) }) },
  'cf52x': { spec: (r) => ({ status: r.pick([520, 521, 522, 524]), headers: { 'content-type': 'text/html', server: 'cloudflare' }, body: '<html><body>Cloudflare: origin error</body></html>' }) },
  'hang': { spec: () => ({ hang: true }) },
  'slow': { spec: (r) => ({ delayMs: r.int(1_500, 12_000) }) },
  '429': { spec: (r) => ({ status: 429, headers: { 'retry-after': String(r.int(1, 30)), 'x-ratelimit': JSON.stringify({ name: 'AUTHED_API_POST_LIMIT', period: 1, limit: 1, remaining: 0, until: null }) } }) },
  '429_bare': { spec: () => ({ status: 429 }) },
  '401': { spec: () => ({ status: 401, headers: { 'www-authenticate': 'Bearer realm="trakt", error="invalid_token"' } }) },
  '420': { spec: () => ({ status: 420 }) },
  '423': { spec: () => ({ status: 423 }) },
  'applied_5xx': { writesOnly: true, spec: (r) => ({ apply: true, status: r.pick([500, 502, 503, 504, 522]) }) },
  'applied_hang': { writesOnly: true, spec: () => ({ apply: true, hang: true }) },
};

/**
 * Hostile answers (issue 19), drawn from a stream of their own so the scenarios of the
 * seeds run before them stay the same (`generateScenario(seed, { hostile: false })`):
 * 200 with an HTML page (Cloudflare's 1015, a maintenance page) or with JSON cut short
 * (with the pagination headers of a real page), a page without its pagination headers
 * (`strip`: the world removes them from the real answer), an answer just under the 10 s
 * timeout.
 * @type {Record<string, { writesOnly?: boolean, getsOnly?: boolean, strip?: boolean, spec: (rng: import('./rng.mjs').Rng) => Spec }>}
 */
export const HOSTILE_FAULTS = {
  'html200': { spec: (r) => ({ status: 200, headers: { 'content-type': 'text/html', server: 'cloudflare' }, body: r.pick(['<!DOCTYPE html><html><head><title>Error 1015</title></head><body>You are being rate limited</body></html>', '<html><body><h1>Trakt is down for scheduled maintenance</h1></body></html>']) }) },
  'cut200': { spec: (r) => ({ status: 200, headers: { 'content-type': 'application/json', 'x-pagination-page': '1', 'x-pagination-limit': '250', 'x-pagination-page-count': String(r.int(2, 5)), 'x-pagination-item-count': String(r.int(251, 1200)) }, body: '[{"id":10,"watched_at":"2026-11-01T12:00:00.000Z","action":"scrobble","type":"movie","movie":{"title":"Cut sh' }) },
  'noheaders': { getsOnly: true, strip: true, spec: () => ({}) },
  'near_timeout': { spec: (r) => ({ delayMs: r.int(9_000, 9_900) }) },
};

/** Every HTTP fault kind, ordinary and hostile. */
export const FAULT_SPECS = { ...HTTP_FAULTS, ...HOSTILE_FAULTS };

/** The hostile kinds a seed adds to its profile (none for a fifth of the seeds). */
export function hostileKinds(rng) {
  if (rng.chance(0.2)) return [];
  const kinds = Object.keys(HOSTILE_FAULTS).filter(() => rng.chance(0.5));
  return kinds.length ? kinds : [rng.pick(Object.keys(HOSTILE_FAULTS))];
}

/** Faults that are not one HTTP answer. */
export const OTHER_FAULTS = ['crash', 'redeliver_soon', 'redeliver_late', 'clock_jump', 'tick_concurrent', 'token_expiry'];

/**
 * Hostile shapes that are events of the world: sessions never stopped, plays marked in the
 * library, plays another app adds on Trakt late, ratings another app imports with their old
 * dates; and of Trakt itself: ratings listed in another order than newest first.
 */
export const HOSTILE_OTHER = ['abandoned_session', 'marked_watched', 'late_remote_play', 'imported_rating', 'ratings_unordered'];

export const ALL_FAULTS = [...Object.keys(HTTP_FAULTS), ...OTHER_FAULTS, ...Object.keys(HOSTILE_FAULTS), ...HOSTILE_OTHER];

/**
 * A run's fault profile, from its seed: which kinds are on and how often. A fifth of the
 * seeds run without faults (the baseline must hold on its own).
 * @param {import('./rng.mjs').Rng} rng
 */
export function faultProfile(rng) {
  if (rng.chance(0.2)) return { httpRate: 0, crashRate: 0, kinds: [], other: new Set() };
  // 420 and 423 are rarer: the plugin stops the area (420) or all writes (423) until the
  // user acts, which masks every other finding of the seed.
  const kinds = Object.keys(HTTP_FAULTS).filter((k) => rng.chance(k === '420' || k === '423' ? 0.12 : 0.6));
  if (!kinds.length) kinds.push(rng.pick(Object.keys(HTTP_FAULTS)));
  const other = new Set(OTHER_FAULTS.filter(() => rng.chance(0.6)));
  return { httpRate: rng.pick([0.02, 0.05, 0.1, 0.2]), crashRate: other.has('crash') ? rng.pick([0.03, 0.08, 0.15]) : 0, kinds, other };
}
