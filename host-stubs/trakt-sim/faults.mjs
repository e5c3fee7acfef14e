// One-shot fault injection: the next `count` calls that match answer a canned status, or
// hang until the simulator stops. Faults are checked before anything else (headers,
// auth, rate limits), like an outage in front of the API (Cloudflare, load balancer), so
// a faulted call changes no state and is not counted by the rate limiter.
// Two more modes: `apply: true` lets the request reach Trakt and change its state, and only
// then answers with the fault (a write that landed but whose answer was a 5xx, or a hang
// after the write); `delayMs` without a status is a slow but real answer (over a socket the
// answer waits; in process the caller advances its virtual clock).

/**
 * @typedef {{ method?: string, path: string|RegExp, count?: number, status?: number,
 *   headers?: Record<string, string>, body?: string, hang?: boolean, apply?: boolean, delayMs?: number }} FaultSpec
 * @typedef {FaultSpec & { remaining: number, hits: number }} Fault
 */

export class Faults {
  constructor() {
    /** @type {Fault[]} */
    this.list = [];
  }

  /** @param {FaultSpec} spec @returns {Fault} */
  inject(spec) {
    if (!spec || (typeof spec.path !== 'string' && !(spec.path instanceof RegExp))) {
      throw new Error('injectFault: path (string or RegExp) is required');
    }
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error('injectFault: count must be a positive integer');
    if (!spec.hang && spec.status !== undefined && !(spec.status >= 100 && spec.status <= 599)) {
      throw new Error('injectFault: status must be an HTTP status');
    }
    if (spec.delayMs !== undefined && !(Number.isInteger(spec.delayMs) && spec.delayMs >= 0)) {
      throw new Error('injectFault: delayMs must be an integer >= 0');
    }
    const fault = { ...spec, method: spec.method?.toUpperCase(), remaining: count, hits: 0 };
    this.list.push(fault);
    return fault;
  }

  /**
   * The first live fault matching the call, used up by one; null when none.
   * A string path matches the path exactly (no query); a RegExp is tested on the path.
   * @param {string} method @param {string} path @returns {Fault|null}
   */
  take(method, path) {
    for (const f of this.list) {
      if (f.remaining <= 0) continue;
      if (f.method && f.method !== method) continue;
      if (typeof f.path === 'string' ? f.path !== path : !f.path.test(path)) continue;
      f.remaining -= 1;
      f.hits += 1;
      return f;
    }
    return null;
  }

  clear() {
    this.list = [];
  }

  /**
   * Status, headers and body of a faulted answer. Defaults follow what Trakt sends:
   * 420 empty body with X-Upgrade-URL, 423 with X-Account-Locked, others an empty body.
   * @param {Fault} f
   */
  static response(f) {
    const status = f.status ?? 500;
    /** @type {Record<string, string>} */
    const headers = {};
    if (status === 420) headers['x-upgrade-url'] = 'https://trakt.tv/vip';
    if (status === 423) { headers['x-account-locked'] = 'true'; headers['x-account-deactivated'] = 'false'; }
    for (const [k, v] of Object.entries(f.headers ?? {})) headers[k.toLowerCase()] = String(v);
    return { status, headers, body: f.body ?? '' };
  }
}
