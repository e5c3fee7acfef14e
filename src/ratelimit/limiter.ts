// Trakt's per-user limits as pure state transitions (the state lives in KV per user):
// writes (POST/PUT/DELETE) at most one a second, GETs within a rolling budget, and a
// block after a 429 that lasts as long as Trakt says (Retry-After or X-Ratelimit's
// `until`), or an exponential backoff with jitter when it says nothing.
/** The per-user rate limiter as kept in KV: the last write, recent GETs, a block and its strikes. */
export interface RateState {
  /** When the next write may go (ms). */
  writeAt: number;
  /** GET counts in 10 s buckets: `[bucketStartMs, count]`, oldest first. */
  gets: Array<[number, number]>;
  /** No call at all before this (ms), after a 429. */
  blockedUntil: number;
  /** Consecutive 429s without a usable wait: drives the exponential backoff. */
  strikes: number;
  /** Total 429s seen and total ms waited, for `status`. */
  hits429: number;
}

export const LIMITS = {
  /** Trakt: 1 write per second. A little slack absorbs clock skew between us and Trakt. */
  writeSpacingMs: 1100,
  getWindowMs: 300_000,
  /** Trakt allows 500 GETs per 5 minutes; stay under it so a sync never trips it. */
  getBudget: 450,
  bucketMs: 10_000,
  backoffBaseMs: 5_000,
  backoffMaxMs: 300_000,
};

/** A limiter state with no calls and no block. */
export const emptyRate = (): RateState => ({ writeAt: 0, gets: [], blockedUntil: 0, strikes: 0, hits429: 0 });

const isWrite = (method: string) => method !== 'GET';

function getsInWindow(s: RateState, now: number): number {
  let n = 0;
  // A bucket's calls count until its END leaves the window: never under-counts.
  for (const [start, count] of s.gets) if (start + LIMITS.bucketMs > now - LIMITS.getWindowMs) n += count;
  return n;
}

/**
 * The state as seen after the host's clock stepped back (an NTP correction): a write slot
 * more than its spacing ahead, or GET buckets that start after now, were taken on the
 * old clock, not by a limit; they are dropped rather than waited out for an hour.
 */
export function afterClockStep(s: RateState, now: number): RateState {
  const writeAt = s.writeAt > now + LIMITS.writeSpacingMs ? 0 : s.writeAt;
  const gets = s.gets.some(([start]) => start > now) ? s.gets.filter(([start]) => start <= now) : s.gets;
  return writeAt === s.writeAt && gets === s.gets ? s : { ...s, writeAt, gets };
}

/** When a call of this method may go: `now` if it may go now. */
export function nextAllowed(state: RateState, method: string, now: number): number {
  const s = afterClockStep(state, now);
  let at = Math.max(now, s.blockedUntil);
  if (isWrite(method)) return Math.max(at, s.writeAt);
  if (getsInWindow(s, at) < LIMITS.getBudget) return at;
  // Wait until enough of the oldest buckets leave the window.
  let excess = getsInWindow(s, at) - LIMITS.getBudget + 1;
  for (const [start, count] of s.gets) {
    excess -= count;
    if (excess <= 0) return Math.max(at, start + LIMITS.bucketMs + LIMITS.getWindowMs);
  }
  return at;
}

/** The limiter after one call of this method is made now. */
export function noteCall(state: RateState, method: string, now: number): RateState {
  const s = afterClockStep(state, now);
  if (isWrite(method)) return { ...s, writeAt: now + LIMITS.writeSpacingMs };
  const bucket = now - (now % LIMITS.bucketMs);
  const gets = s.gets.filter(([start]) => start + LIMITS.bucketMs > now - LIMITS.getWindowMs);
  const last = gets[gets.length - 1];
  if (last && last[0] === bucket) gets[gets.length - 1] = [bucket, last[1] + 1];
  else gets.push([bucket, 1]);
  return { ...s, gets };
}

/** How long Trakt asked us to wait, from a 429's headers (lower-case names), or null. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | null {
  const ra = headers['retry-after'];
  if (ra !== undefined && /^\d+(\.\d+)?$/.test(ra.trim())) return Math.ceil(parseFloat(ra) * 1000);
  const xr = headers['x-ratelimit'];
  if (xr) {
    try {
      const until = Date.parse(JSON.parse(xr).until);
      if (Number.isFinite(until) && until > now) return until - now;
    } catch {
      /* a malformed header counts as missing */
    }
  }
  return null;
}

/** After a 429: block for Trakt's wait, or back off exponentially with jitter in [0.5, 1). */
export function note429(s: RateState, headers: Record<string, string>, now: number, random: number): RateState {
  const told = retryAfterMs(headers, now);
  const strikes = told === null ? s.strikes + 1 : 0;
  const wait = told ?? Math.min(LIMITS.backoffMaxMs, LIMITS.backoffBaseMs * 2 ** (strikes - 1)) * (0.5 + random / 2);
  return { ...s, blockedUntil: Math.max(s.blockedUntil, now + Math.ceil(wait)), strikes, hits429: s.hits429 + 1 };
}

/** The limiter after a successful answer: the 429 backoff resets. */
export function noteSuccess(s: RateState): RateState {
  return s.strikes === 0 ? s : { ...s, strikes: 0 };
}
