// Trakt's API rate limits, measured on the simulator's clock (the host's virtual clock
// in tests), so tests can exceed and recover from a limit without sleeping.
//
//   AUTHED_API_POST_LIMIT   per user          POST/PUT/DELETE  1 call per second
//   AUTHED_API_GET_LIMIT    per user          GET              500 calls per rolling 300 s
//   UNAUTHED_API_GET_LIMIT  per client id     GET              500 calls per rolling 300 s
//
// Only accepted calls count: a call answered 429 does not extend the wait (Trakt counts
// calls that reach the API; a client that honours Retry-After must get through).

import { iso } from './store.mjs';

export const POST_INTERVAL_MS = 1000;
export const GET_LIMIT = 500;
export const GET_PERIOD_SEC = 300;

export class RateLimiter {
  /** @param {() => number} clock */
  constructor(clock) {
    this.clock = clock;
    /** @type {Map<string, number>} bucket key -> time of the last accepted write */
    this.lastWrite = new Map();
    /** @type {Map<string, number[]>} bucket key -> times of accepted GETs in the window */
    this.gets = new Map();
  }

  /**
   * Count the call if it is allowed; otherwise describe the limit it hit.
   * @param {{ user?: string, clientId?: string, method: string }} call
   * @returns {null | { retryAfter: number, ratelimit: {name: string, period: number, limit: number, remaining: number, until: string} }}
   */
  take({ user, clientId, method }) {
    const now = this.clock();
    const authed = !!user;
    const key = authed ? `user:${user}` : `client:${clientId}`;
    if (method === 'GET' || method === 'HEAD') {
      const windowStart = now - GET_PERIOD_SEC * 1000;
      const times = (this.gets.get(key) ?? []).filter((t) => t > windowStart);
      this.gets.set(key, times);
      if (times.length >= GET_LIMIT) {
        const until = times[0] + GET_PERIOD_SEC * 1000;
        return reject(authed ? 'AUTHED_API_GET_LIMIT' : 'UNAUTHED_API_GET_LIMIT', GET_PERIOD_SEC, GET_LIMIT, until, now);
      }
      times.push(now);
      return null;
    }
    // Writes are always authenticated on Trakt (401 comes first), so the key is a user.
    const last = this.lastWrite.get(key);
    if (last !== undefined && now - last < POST_INTERVAL_MS) {
      return reject('AUTHED_API_POST_LIMIT', 1, 1, last + POST_INTERVAL_MS, now);
    }
    this.lastWrite.set(key, now);
    return null;
  }
}

function reject(name, period, limit, until, now) {
  return {
    retryAfter: Math.max(1, Math.ceil((until - now) / 1000)),
    ratelimit: { name, period, limit, remaining: 0, until: iso(until) },
  };
}
