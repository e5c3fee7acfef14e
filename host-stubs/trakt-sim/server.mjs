// HTTP front: recording, fault injection, Trakt's request checks, routing.
// api.trakt.tv, trakt.tv and auth.trakt.tv map to this one server. The host a request
// was meant for comes from X-Forwarded-Host (the stub host's origin map sets it) or, in
// process, from the absolute URL. Since Trakt's 2026 contract OAuth lives on its own host:
// the OAuth endpoints and the authorize and activate pages are served on auth.trakt.tv;
// on api.trakt.tv they answer 404 with an empty body (Trakt's answer for any path it does
// not route); on trakt.tv the two pages redirect (301) to auth.trakt.tv. API paths answer
// 404 on the other hosts. A request that names no host (a test talking to the socket
// directly, an in-process caller passing a bare path) is served on every route.
//
// Order of checks for an API call (the first failing one answers):
//   injected fault -> body size (400) -> route (404 / 405)
//   -> User-Agent (403) -> trakt-api-key (403) -> trakt-api-version (412)
//   -> Content-Type of a body (412) -> JSON (400)
//   -> Authorization (401) -> locked/deactivated account (423) -> rate limit (429) -> handler
// OAuth endpoints skip the API headers and the rate limiter (Trakt rate-limits them only
// through the device polling rule) and take JSON or form bodies, like Doorkeeper.

import { json, empty, error } from './http.mjs';
import { Faults } from './faults.mjs';
import * as sync from './sync.mjs';
import * as lists from './lists.mjs';
import { scrobble } from './scrobble.mjs';

/** Body fields never kept in sim.requests (snapshots must not hold secrets). */
const SECRET_FIELDS = ['client_secret', 'refresh_token', 'access_token', 'code', 'code_verifier', 'token', 'device_code'];

/**
 * @typedef {'api'|'oauth'|'page'} Kind
 * @typedef {{ method: string, re: RegExp, names: string[], kind: Kind, auth?: 'required'|'optional', handler: Function }} Route
 */

/** Compile "/sync/history/:type?/:id?" into a RegExp with named segments. */
function route(method, pattern, kind, handler, auth) {
  const names = [];
  const src = pattern.replace(/\/:(\w+)(\?)?/g, (_, name, opt) => {
    names.push(name);
    return opt ? `(?:/([^/]+))?` : `/([^/]+)`;
  });
  return { method, re: new RegExp(`^${src}$`), names, kind, auth, handler };
}

/** @type {Route[]} */
const ROUTES = [
  route('POST', '/oauth/device/code', 'oauth', (c) => c.sim.oauth.deviceCode(c.body)),
  route('POST', '/oauth/device/token', 'oauth', (c) => c.sim.oauth.deviceToken(c.body)),
  route('POST', '/oauth/token', 'oauth', (c) => c.sim.oauth.token(c.body)),
  route('POST', '/oauth/revoke', 'oauth', (c) => c.sim.oauth.revoke(c.body)),
  route('GET', '/oauth/authorize', 'page', (c) => c.sim.oauth.authorizePage(c.query)),
  route('POST', '/oauth/authorize', 'page', (c) => c.sim.oauth.authorizeSubmit(c.body)),
  route('GET', '/activate', 'page', (c) => c.sim.oauth.activatePage(c.query)),
  route('POST', '/activate', 'page', (c) => c.sim.oauth.activateSubmit(c.body)),

  route('GET', '/sync/last_activities', 'api', sync.getLastActivities, 'required'),
  route('POST', '/sync/history/remove', 'api', sync.removeHistory, 'required'),
  route('GET', '/sync/history/:type?/:id?', 'api', sync.getHistory, 'required'),
  route('POST', '/sync/history', 'api', sync.addHistory, 'required'),
  route('POST', '/sync/ratings/remove', 'api', sync.removeRatings, 'required'),
  route('GET', '/sync/ratings/:type?/:rating?', 'api', sync.getRatings, 'required'),
  route('POST', '/sync/ratings', 'api', sync.addRatings, 'required'),
  route('POST', '/sync/watchlist/remove', 'api', sync.removeWatchlist, 'required'),
  route('GET', '/sync/watchlist/:type?/:sort_by?/:sort_how?', 'api', sync.getWatchlist, 'required'),
  route('POST', '/sync/watchlist', 'api', sync.addWatchlist, 'required'),
  route('GET', '/sync/playback/:type?', 'api', sync.getPlayback, 'required'),
  route('DELETE', '/sync/playback/:id', 'api', sync.deletePlayback, 'required'),
  route('POST', '/sync/collection/remove', 'api', sync.removeCollection, 'required'),
  route('GET', '/sync/collection/:type', 'api', sync.getCollection, 'required'),
  route('POST', '/sync/collection', 'api', sync.addCollection, 'required'),
  route('POST', '/scrobble/start', 'api', (c) => scrobble('start', c), 'required'),
  route('POST', '/scrobble/pause', 'api', (c) => scrobble('pause', c), 'required'),
  route('POST', '/scrobble/stop', 'api', (c) => scrobble('stop', c), 'required'),
  route('POST', '/sync/favorites/remove', 'api', lists.removeFavorites, 'required'),
  route('GET', '/sync/favorites/:type?/:sort_by?/:sort_how?', 'api', lists.getFavorites, 'required'),
  route('POST', '/sync/favorites', 'api', lists.addFavorites, 'required'),
  route('GET', '/users/likes/lists', 'api', lists.getLikedLists, 'required'),
  route('GET', '/users/:user/lists', 'api', lists.getLists, 'required'),
  route('POST', '/users/:user/lists', 'api', lists.postList, 'required'),
  route('POST', '/users/:user/lists/:id/items/remove', 'api', lists.removeListItems, 'required'),
  route('POST', '/users/:user/lists/:id/items/reorder', 'api', lists.reorderListItems, 'required'),
  route('GET', '/users/:user/lists/:id/items/:type?', 'api', lists.getListItems, 'required'),
  route('POST', '/users/:user/lists/:id/items', 'api', lists.addListItems, 'required'),
  route('GET', '/users/:user/lists/:id', 'api', lists.getList, 'required'),
  route('PUT', '/users/:user/lists/:id', 'api', lists.putList, 'required'),
  route('DELETE', '/users/:user/lists/:id', 'api', lists.deleteList, 'required'),
  route('GET', '/lists/:id/items/:type?', 'api', lists.getAnyListItems, 'required'),
  route('POST', '/lists/:id/like', 'api', lists.postLike, 'required'),
  route('DELETE', '/lists/:id/like', 'api', lists.deleteLike, 'required'),
  route('GET', '/lists/:id', 'api', lists.getAnyList, 'required'),
  route('GET', '/users/:user/watched/:type', 'api', sync.getWatched, 'required'),
  route('GET', '/users/settings', 'api', sync.getSettings, 'required'),
  route('GET', '/users/me', 'api', sync.getMe, 'required'),
  route('GET', '/search/:id_type/:id', 'api', sync.searchById, 'optional'),
  route('GET', '/movies/:id', 'api', sync.getMovie, 'optional'),
  route('GET', '/shows/:id', 'api', sync.getShow, 'optional'),
  route('GET', '/shows/:id/seasons', 'api', sync.getSeasons, 'optional'),
  route('GET', '/shows/:id/seasons/:season/episodes/:episode', 'api', sync.getEpisode, 'optional'),
];

/** The hosts Trakt serves. */
export const HOSTS = Object.freeze({ api: 'api.trakt.tv', site: 'trakt.tv', auth: 'auth.trakt.tv' });

/**
 * Whether a route is served on the host a request names, else the answer that host gives.
 * @param {Route} r @param {string|undefined} host lower-case, no port; undefined: any
 * @param {string} method @param {string} path @param {URLSearchParams} search
 * @returns {import('./http.mjs').SimResponse|null} null: served
 */
function wrongHost(r, host, method, path, search) {
  if (host === undefined) return null;
  if (r.kind === 'api') return host === HOSTS.api ? null : empty(404);
  if (host === HOSTS.auth) return null;
  if (host === HOSTS.site && r.kind === 'page' && method === 'GET') {
    const q = search.toString();
    return { status: 301, headers: { location: `https://${HOSTS.auth}${path}${q ? `?${q}` : ''}` }, body: undefined };
  }
  return empty(404);
}

/** The host a socket request was meant for (X-Forwarded-Host), lower-case without port. @param {Record<string, any>} headers */
export function forwardedHost(headers) {
  const h = headers['x-forwarded-host'];
  const v = (Array.isArray(h) ? h[0] : h)?.split(',')[0]?.trim().toLowerCase();
  return v ? v.replace(/:\d+$/, '') : undefined;
}

/** @param {string} method @param {string} path */
function match(method, path) {
  let pathKnown = false;
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    if (r.method !== method) { pathKnown = true; continue; }
    /** @type {Record<string, string>} */
    const params = {};
    r.names.forEach((n, i) => { if (m[i + 1] !== undefined) params[n] = decodeURIComponent(m[i + 1]); });
    return { route: r, params };
  }
  return { route: null, pathKnown };
}

function readBody(req, max) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (/** @type {Buffer} */ ch) => {
      size += ch.length;
      if (size > max) tooLarge = true; // keep draining so the answer can still be sent
      else chunks.push(ch);
    });
    req.on('end', () => resolve({ raw: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge, size }));
    req.on('error', reject);
  });
}

const isJsonType = (ct) => /^application\/json\s*(;|$)/i.test(ct ?? '');
const isFormType = (ct) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(ct ?? '');

function redactHeaders(h) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    const val = Array.isArray(v) ? v.join(', ') : String(v ?? '');
    out[k] = k === 'authorization' ? val.replace(/^(\S+\s+)?.*$/s, (_, scheme) => `${scheme ?? ''}<redacted>`) : val;
  }
  return out;
}

function redactBody(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out = { ...body };
  for (const k of SECRET_FIELDS) if (k in out) out[k] = '<redacted>';
  return out;
}

/** Best-effort parse for the request log: JSON, form, or the raw text. */
function parseForLog(raw, ct) {
  if (!raw) return null;
  if (isFormType(ct)) return Object.fromEntries(new URLSearchParams(raw));
  try { return JSON.parse(raw); } catch { return raw; }
}

/**
 * The wire form of a handler's answer: status, lower-case headers (content-type and
 * content-length filled in) and the body as text. Used by the socket and in-process paths.
 * @param {import('./http.mjs').SimResponse} r
 * @returns {{ status: number, headers: Record<string, string>, body: string }}
 */
export function serialize(r) {
  if (/** @type {any} */ (r).raw) return { status: r.status, headers: { ...r.headers }, body: r.body }; // already on the wire (an altered answer)
  const headers = { ...(r.headers ?? {}) };
  let payload = '';
  if (r.body !== undefined) {
    if (typeof r.body === 'string') {
      payload = r.body;
      if (payload && !headers['content-type']) headers['content-type'] = 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(r.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  return { status: r.status, headers, body: payload };
}

/** @param {import('node:http').ServerResponse} res @param {import('./http.mjs').SimResponse} r */
function send(res, r) {
  const w = serialize(r);
  res.writeHead(w.status, w.headers);
  res.end(w.body);
}

/**
 * @param {any} sim the TraktSimulator
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createHandler(sim) {
  return (req, res) => {
    serveSocket(sim, req, res).catch((e) => {
      // A bug in the simulator: answer 500 so the test sees it, and keep serving.
      try { send(res, error(500, 'simulator_error', String(e?.stack ?? e))); } catch { /* socket gone */ }
    });
  };
}

/** The HTTP server's path: read the body, dispatch, write the answer (or hold it open). */
async function serveSocket(sim, req, res) {
  const { raw, tooLarge, size } = await readBody(req, sim.options.maxBodyBytes);
  const out = dispatch(sim, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, raw, tooLarge, size, host: forwardedHost(req.headers) });
  if (out.hang) { sim.hanging.add(res); res.on('close', () => sim.hanging.delete(res)); return; }
  if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
  send(res, out.response);
}

/**
 * The in-process path (deterministic simulation): one request, answered synchronously,
 * by the same dispatch as the HTTP server. `url` may be a path or an absolute URL (whose
 * host decides which of Trakt's hosts answers; a bare path is served on every route);
 * header names are matched case-insensitively. `hang` means no answer ever comes (the
 * caller models its timeout); `delayMs` means the answer comes that much later (the
 * state change happened on arrival).
 * @param {any} sim
 * @param {{ method: string, url?: string, path?: string, headers?: Record<string, string>, body?: string|null }} req
 * @returns {{ status: number, headers: Record<string, string>, body: string, hang?: boolean, delayMs?: number }}
 */
export function handleRequest(sim, req) {
  const u = new URL(req.url ?? req.path ?? '/', 'http://127.0.0.1');
  const host = /^https?:\/\//i.test(req.url ?? '') ? u.hostname.toLowerCase() : undefined;
  /** @type {Record<string, string>} */
  const headers = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  let raw = req.body ?? '';
  const size = Buffer.byteLength(raw);
  const tooLarge = size > sim.options.maxBodyBytes;
  if (tooLarge) raw = '';
  if (raw && !headers['content-length']) headers['content-length'] = String(size);
  let out;
  try {
    out = dispatch(sim, { method: req.method, url: `${u.pathname}${u.search}`, headers, raw, tooLarge, size, host: host ?? forwardedHost(headers) });
  } catch (e) {
    out = { response: error(500, 'simulator_error', String(/** @type {any} */ (e)?.stack ?? e)) };
  }
  if (out.hang) return { status: 0, headers: {}, body: '', hang: true };
  return { ...serialize(out.response), ...(out.delayMs ? { delayMs: out.delayMs } : {}) };
}

/**
 * Every check and the route, shared by both paths. Records the request in sim.requests.
 * @param {any} sim
 * @param {{ method: string, url: string, headers: Record<string, any>, raw: string, tooLarge: boolean, size: number, host?: string }} req
 *   `host`: which of Trakt's hosts the request was meant for (undefined: any)
 * @returns {{ response: import('./http.mjs').SimResponse, hang?: boolean, delayMs?: number }}
 */
export function dispatch(sim, { method: rawMethod, url: rawUrl, headers: reqHeaders, raw, tooLarge, size, host }) {
  const url = new URL(rawUrl, 'http://127.0.0.1');
  const method = rawMethod.toUpperCase();
  const path = url.pathname;
  const ct = reqHeaders['content-type'];
  const rec = {
    at: sim.now(), method, path, query: Object.fromEntries(url.searchParams),
    headers: redactHeaders(reqHeaders), body: null, status: /** @type {number|null} */ (null),
    user: /** @type {string|undefined} */ (undefined), host,
  };
  sim.requests.push(rec);
  rec.body = tooLarge ? `<${size} bytes>` : redactBody(parseForLog(raw, ct));

  const fault = sim.faults.take(method, path);
  if (fault?.hang) {
    // An applied hang: the request reaches Trakt and is handled, only the answer is lost.
    if (fault.apply) serve(sim, { method, path, ct, raw, tooLarge, reqHeaders, rec, host, search: url.searchParams });
    return { response: Faults.response(fault), hang: true };
  }
  // No status: the real answer, slow (delayMs) or altered (truncate, dropPagination)
  const passThrough = fault && !fault.apply && fault.status === undefined && (fault.delayMs || fault.truncate || fault.dropPagination);
  if (fault && !fault.apply && !passThrough) {
    const r = Faults.response(fault);
    rec.status = r.status;
    return { response: r };
  }
  // apply: the write happens, the answer is the fault.
  const real = serve(sim, { method, path, ct, raw, tooLarge, reqHeaders, rec, host, search: url.searchParams });
  if (fault?.apply) {
    const r = Faults.response(fault);
    rec.status = r.status;
    return { response: r, delayMs: fault.delayMs };
  }
  rec.status = real.status;
  if (fault?.truncate || fault?.dropPagination) return { response: { ...Faults.alter(fault, serialize(real)), raw: true }, delayMs: fault.delayMs };
  return { response: real, delayMs: fault?.delayMs };
}

/** The request checks and the endpoint. @returns {import('./http.mjs').SimResponse} */
function serve(sim, { method, path, ct, raw, tooLarge, reqHeaders, rec, host, search }) {
  if (tooLarge) return error(400, 'invalid_request', `request body over ${sim.options.maxBodyBytes} bytes`);

  const { route: r, params, pathKnown } = match(method, path);
  if (!r) return empty(pathKnown ? 405 : 404);
  const elsewhere = wrongHost(r, host, method, path, search);
  if (elsewhere) return elsewhere;

  // ---- body ----
  let body = {};
  if (raw.length) {
    if (r.kind !== 'api' && isFormType(ct)) body = Object.fromEntries(new URLSearchParams(raw));
    else if (!isJsonType(ct)) return error(412, 'precondition_failed', 'Content-Type must be application/json');
    else {
      try { body = JSON.parse(raw); } catch { return error(400, 'invalid_request', 'request body is not valid JSON'); }
      if (!body || typeof body !== 'object' || Array.isArray(body)) return error(400, 'invalid_request', 'request body must be a JSON object');
    }
  }
  const ctx = { sim, query: rec.query, params: params ?? {}, body, now: sim.now(), user: /** @type {any} */ (undefined) };
  if (r.kind !== 'api') return r.handler(ctx);

  // ---- Trakt's required headers ----
  if (!String(reqHeaders['user-agent'] ?? '').trim()) {
    // Cloudflare in front of Trakt refuses requests without a User-Agent.
    return error(403, 'forbidden', 'a User-Agent header is required');
  }
  const apiKey = String(reqHeaders['trakt-api-key'] ?? '');
  if (!sim.oauth.clients.has(apiKey)) return error(403, 'invalid_api_key', 'invalid or missing trakt-api-key');
  if (reqHeaders['trakt-api-version'] !== '2') {
    // Undocumented on Trakt; we refuse (412, "precondition failed") so a client that
    // forgets the header is caught by its tests.
    return error(412, 'precondition_failed', 'trakt-api-version: 2 is required');
  }

  // ---- OAuth ----
  const authHeader = reqHeaders.authorization;
  if (authHeader !== undefined || r.auth === 'required') {
    const a = sim.oauth.authenticate(authHeader);
    if (!('session' in a)) {
      return error(401, 'invalid_token', `OAuth access token ${a.reason}`, {
        'www-authenticate': `Bearer realm="trakt", error="invalid_token", error_description="${a.reason}"`,
      });
    }
    if (a.session.client_id !== apiKey) return error(401, 'invalid_token', 'token was issued to another client');
    ctx.user = sim.users.get(a.session.username);
    rec.user = ctx.user.username;
  }

  if (ctx.user && (ctx.user.locked || ctx.user.deactivated)) {
    return empty(423, {
      'x-account-locked': String(ctx.user.locked), 'x-account-deactivated': String(ctx.user.deactivated),
    });
  }

  if (sim.options.rateLimits) {
    const hit = sim.limiter.take({ user: ctx.user?.username, clientId: apiKey, method });
    if (hit) {
      return empty(429, { 'retry-after': String(hit.retryAfter), 'x-ratelimit': JSON.stringify(hit.ratelimit) });
    }
  }
  return r.handler(ctx);
}
