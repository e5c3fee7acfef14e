// One-shot fault injection: the next `count` calls that match answer a canned status, or
// hang until the simulator stops. Faults are checked before anything else (headers,
// auth, rate limits), like an outage in front of the API (Cloudflare, load balancer), so
// a faulted call changes no state and is not counted by the rate limiter.
// Two more modes: `apply: true` lets the request reach Trakt and change its state, and only
// then answers with the fault (a write that landed but whose answer was a 5xx, or a hang
// after the write); `delayMs` without a status is a slow but real answer (over a socket the
// answer waits; in process the caller advances its virtual clock).
// Broken answers Trakt's edge really sends (issue 19): `html` answers 200 (or `status`)
// with an HTML page (Cloudflare's 1015 "rate limited" or a maintenance page) and changes
// nothing; `truncate` serves the real answer with its body cut short (the request was
// handled; a JSON client cannot parse it); `dropPagination` serves the real answer
// without its X-Pagination-* headers; `underTimeoutMs: T` serves the real answer after
// T - 1 ms (just inside a client's timeout of T).

/**
 * @typedef {{ method?: string, path: string|RegExp, count?: number, status?: number,
 *   headers?: Record<string, string>, body?: string, hang?: boolean, apply?: boolean, delayMs?: number,
 *   html?: 'cloudflare_1015'|'maintenance', truncate?: boolean, dropPagination?: boolean, underTimeoutMs?: number }} FaultSpec
 * @typedef {FaultSpec & { remaining: number, hits: number }} Fault
 */

/** The HTML pages a 200 may carry instead of JSON. */
export const HTML_PAGES = Object.freeze({
  cloudflare_1015: '<!DOCTYPE html><html lang="en-US"><head><title>Access denied | api.trakt.tv used Cloudflare to restrict access</title></head>'
    + '<body><div id="cf-wrapper"><h1><span>Error</span><span>1015</span></h1><h2>You are being rate limited</h2>'
    + '<p>The owner of this website (api.trakt.tv) has banned you temporarily from accessing this website.</p></div></body></html>',
  maintenance: '<!DOCTYPE html><html><head><title>Trakt is down for scheduled maintenance</title></head>'
    + '<body><h1>We\'ll be right back</h1><p>Trakt is undergoing scheduled maintenance. Please check back soon.</p></body></html>',
});

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
    if (spec.html !== undefined && !(spec.html in HTML_PAGES)) throw new Error(`injectFault: html must be one of ${Object.keys(HTML_PAGES).join(', ')}`);
    if (spec.underTimeoutMs !== undefined && !(Number.isInteger(spec.underTimeoutMs) && spec.underTimeoutMs >= 2)) {
      throw new Error('injectFault: underTimeoutMs must be an integer >= 2');
    }
    if ((spec.truncate || spec.dropPagination) && (spec.status !== undefined || spec.html || spec.hang)) {
      throw new Error('injectFault: truncate and dropPagination change the real answer; they take no status, html or hang');
    }
    const fault = { ...spec, method: spec.method?.toUpperCase(), remaining: count, hits: 0 };
    if (spec.html) fault.status ??= 200;
    if (spec.underTimeoutMs !== undefined) fault.delayMs = spec.underTimeoutMs - 1;
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
    if (f.html) headers['content-type'] = 'text/html; charset=UTF-8';
    for (const [k, v] of Object.entries(f.headers ?? {})) headers[k.toLowerCase()] = String(v);
    return { status, headers, body: f.body ?? (f.html ? HTML_PAGES[f.html] : '') };
  }

  /**
   * The real answer changed as a `truncate` or `dropPagination` fault says (wire form).
   * @param {Fault} f @param {{ status: number, headers: Record<string, string>, body: string }} w
   */
  static alter(f, w) {
    const headers = { ...w.headers };
    if (f.dropPagination) for (const k of Object.keys(headers)) if (k.startsWith('x-pagination-')) delete headers[k];
    let body = w.body;
    if (f.truncate) body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    headers['content-length'] = String(Buffer.byteLength(body));
    return { status: w.status, headers, body };
  }
}
