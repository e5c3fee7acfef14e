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

/** Faults that are not one HTTP answer. */
export const OTHER_FAULTS = ['crash', 'redeliver_soon', 'redeliver_late', 'clock_jump', 'tick_concurrent', 'token_expiry'];

export const ALL_FAULTS = [...Object.keys(HTTP_FAULTS), ...OTHER_FAULTS];

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
