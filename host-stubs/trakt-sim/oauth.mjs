// OAuth 2 as Trakt runs it: device flow, authorization code (+PKCE), single-use refresh
// tokens, revocation. All times come from the simulator's clock.

import { createHash, randomBytes } from 'node:crypto';
import { json, error, html, redirect, escapeHtml } from './http.mjs';

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I look-alikes
const AUTH_CODE_TTL_MS = 10 * 60 * 1000;

const hex = (n) => randomBytes(n).toString('hex');
const base64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function userCode() {
  const bytes = randomBytes(8);
  return [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join('');
}

/**
 * @typedef {{ client_id: string, client_secret: string, redirect_uris: string[], name: string }} Client
 * @typedef {{ access_token: string, refresh_token: string, client_id: string, username: string,
 *   created: number, expires_in: number, status: 'active'|'refreshed'|'revoked', pkce: boolean }} Session
 * @typedef {{ device_code: string, user_code: string, client_id: string, created: number, expires: number,
 *   interval: number, state: 'pending'|'approved'|'denied'|'used', username?: string, lastPoll?: number }} DeviceCode
 */

export class OAuth {
  /**
   * @param {{ clock: () => number, hasUser: (u: string) => boolean,
   *   options: { tokenLifetimeSec: number, deviceExpiresInSec: number, deviceIntervalSec: number } }} opts
   */
  constructor(opts) {
    this.opts = opts;
    /** @type {Map<string, Client>} */ this.clients = new Map();
    /** @type {Map<string, DeviceCode>} */ this.devices = new Map();
    /** @type {Map<string, DeviceCode>} */ this.devicesByUserCode = new Map();
    /** @type {Map<string, any>} */ this.authCodes = new Map();
    /** @type {Session[]} */ this.sessions = [];
    /** @type {Map<string, Session>} */ this.byAccess = new Map();
    /** @type {Map<string, Session>} */ this.byRefresh = new Map();
  }

  get now() {
    return this.opts.clock();
  }

  /** @param {{client_id: string, client_secret: string, redirect_uris?: string[], name?: string}} c */
  addClient(c) {
    if (!c?.client_id || !c.client_secret) throw new Error('addClient: client_id and client_secret are required');
    const client = { client_id: c.client_id, client_secret: c.client_secret, redirect_uris: [...(c.redirect_uris ?? [])], name: c.name ?? c.client_id };
    this.clients.set(c.client_id, client);
    return client;
  }

  /**
   * Client authentication for the token endpoints. A secret, when sent, must match.
   * Doorkeeper (Trakt's OAuth server) answers 401 invalid_client.
   * @param {any} body @param {{ secretRequired: boolean }} o
   */
  #client(body, { secretRequired }) {
    const client = this.clients.get(String(body?.client_id ?? ''));
    if (!client) return { err: error(401, 'invalid_client', 'Client authentication failed due to unknown client.') };
    const secret = body.client_secret;
    if ((secret !== undefined && secret !== client.client_secret) || (secretRequired && secret === undefined)) {
      return { err: error(401, 'invalid_client', 'Client authentication failed due to invalid client_secret.') };
    }
    return { client };
  }

  // ---------- tokens ----------

  /** @param {string} username @param {string} client_id @param {boolean} [pkce] @returns {Session} */
  issue(username, client_id, pkce = false) {
    /** @type {Session} */
    const s = {
      access_token: hex(32), refresh_token: hex(32), client_id, username,
      created: this.now, expires_in: this.opts.options.tokenLifetimeSec, status: 'active', pkce,
    };
    this.sessions.push(s);
    this.byAccess.set(s.access_token, s);
    this.byRefresh.set(s.refresh_token, s);
    return s;
  }

  /** @param {Session} s */
  static tokenBody(s) {
    return {
      access_token: s.access_token, token_type: 'bearer', expires_in: s.expires_in,
      refresh_token: s.refresh_token, scope: 'public', created_at: Math.floor(s.created / 1000),
    };
  }

  /** @param {Session} s */
  #statusOf(s) {
    if (s.status !== 'active') return s.status;
    return this.now >= s.created + s.expires_in * 1000 ? 'expired' : 'active';
  }

  /**
   * @param {string|undefined} header the Authorization header
   * @returns {{ session: Session } | { reason: 'missing'|'invalid'|'expired'|'revoked' }}
   */
  authenticate(header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return { reason: 'missing' };
    const s = this.byAccess.get(m[1]);
    if (!s) return { reason: 'invalid' };
    const st = this.#statusOf(s);
    if (st === 'active') return { session: s };
    return { reason: st === 'expired' ? 'expired' : 'revoked' };
  }

  /** @param {string} username */
  tokensOf(username) {
    return this.sessions.filter((s) => s.username === username).map((s) => ({
      ...OAuth.tokenBody(s), client_id: s.client_id, status: this.#statusOf(s),
    }));
  }

  /** The user revoked the app on trakt.tv: every token of theirs dies. @param {string} username */
  revokeAll(username) {
    for (const s of this.sessions) if (s.username === username && s.status === 'active') s.status = 'revoked';
  }

  // ---------- device flow ----------

  /** POST /oauth/device/code {client_id} */
  deviceCode(body) {
    const client = this.clients.get(String(body?.client_id ?? ''));
    if (!client) return error(401, 'invalid_client', 'Client authentication failed due to unknown client.');
    /** @type {DeviceCode} */
    const d = {
      device_code: hex(32), user_code: userCode(), client_id: client.client_id, created: this.now,
      expires: this.now + this.opts.options.deviceExpiresInSec * 1000, interval: this.opts.options.deviceIntervalSec, state: 'pending',
    };
    this.devices.set(d.device_code, d);
    this.devicesByUserCode.set(d.user_code, d);
    return json(200, {
      device_code: d.device_code, user_code: d.user_code, verification_url: 'https://auth.trakt.tv/activate',
      expires_in: this.opts.options.deviceExpiresInSec, interval: d.interval,
    });
  }

  /**
   * POST /oauth/device/token {code, client_id, client_secret}. Status codes per Trakt's
   * docs; bodies (undocumented) carry RFC 8628 error names so logs are readable.
   * Polling "too fast" is measured from the last poll that was not itself a 429; the
   * first poll is never too fast.
   */
  deviceToken(body) {
    const d = this.devices.get(String(body?.code ?? ''));
    if (!d) return error(404, 'invalid_grant', 'Invalid device_code.');
    const c = this.#client(body, { secretRequired: true });
    if (c.err) return c.err;
    if (c.client.client_id !== d.client_id) return error(404, 'invalid_grant', 'Invalid device_code.');
    const now = this.now;
    if (d.lastPoll !== undefined && now - d.lastPoll < d.interval * 1000) {
      return error(429, 'slow_down', `Poll at most every ${d.interval} seconds.`);
    }
    d.lastPoll = now;
    if (d.state === 'used') return error(409, 'invalid_grant', 'This code was already used.');
    if (now >= d.expires) return error(410, 'expired_token', 'The device code has expired.');
    if (d.state === 'denied') return error(418, 'access_denied', 'The user denied this code.');
    if (d.state === 'approved') {
      d.state = 'used';
      return json(200, OAuth.tokenBody(this.issue(/** @type {string} */ (d.username), d.client_id)));
    }
    return error(400, 'authorization_pending', 'Waiting for the user to authorize the app.');
  }

  /** @param {string} user_code */
  #pendingDevice(user_code) {
    const d = this.devicesByUserCode.get(String(user_code ?? '').toUpperCase().replace(/[\s-]/g, ''));
    if (!d || d.state !== 'pending' || this.now >= d.expires) return undefined;
    return d;
  }

  /** The user entered the code at trakt.tv/activate and pressed Yes. @returns {boolean} */
  approveDevice(user_code, username) {
    if (!this.opts.hasUser(username)) throw new Error(`approveDevice: unknown user ${username}`);
    const d = this.#pendingDevice(user_code);
    if (!d) return false;
    d.state = 'approved';
    d.username = username;
    return true;
  }

  /** @returns {boolean} */
  denyDevice(user_code) {
    const d = this.#pendingDevice(user_code);
    if (!d) return false;
    d.state = 'denied';
    return true;
  }

  // ---------- authorization code flow ----------

  /**
   * Validate an authorization request. Errors are shown on Trakt's page, never redirected:
   * a client or redirect_uri that is not registered must not receive anything.
   * @param {Record<string, any>} q
   * @returns {{ err: string } | { client: Client }}
   */
  checkAuthorize(q) {
    if (q.response_type !== 'code') return { err: 'response_type must be "code"' };
    const client = this.clients.get(String(q.client_id ?? ''));
    if (!client) return { err: 'unknown client_id' };
    if (!q.redirect_uri || !client.redirect_uris.includes(q.redirect_uri)) {
      return { err: 'The redirect uri included is not valid.' }; // exact, case-sensitive match
    }
    if (q.code_challenge !== undefined) {
      const method = q.code_challenge_method ?? 'plain';
      if (method !== 'S256' && method !== 'plain') return { err: 'code_challenge_method must be S256 or plain' };
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(q.code_challenge)) return { err: 'invalid code_challenge' };
    }
    return { client };
  }

  /**
   * The user pressed Approve (or Deny) on trakt.tv/oauth/authorize.
   * @param {{ client_id: string, redirect_uri: string, state?: string, code_challenge?: string,
   *   code_challenge_method?: string, username: string, deny?: boolean }} p
   * @returns {string} the URL Trakt redirects the browser to
   */
  authorize(p) {
    const chk = this.checkAuthorize({ response_type: 'code', ...p });
    if ('err' in chk) throw new Error(`authorize: ${chk.err}`);
    const url = new URL(p.redirect_uri);
    if (p.deny) {
      url.searchParams.set('error', 'access_denied');
      url.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
    } else {
      if (!this.opts.hasUser(p.username)) throw new Error(`authorize: unknown user ${p.username}`);
      const code = hex(32);
      this.authCodes.set(code, {
        code, client_id: p.client_id, redirect_uri: p.redirect_uri, username: p.username,
        code_challenge: p.code_challenge, code_challenge_method: p.code_challenge_method ?? (p.code_challenge ? 'plain' : undefined),
        created: this.now, used: false,
      });
      url.searchParams.set('code', code);
    }
    if (p.state !== undefined) url.searchParams.set('state', p.state);
    return url.toString();
  }

  /** POST /oauth/token: authorization_code or refresh_token. */
  token(body) {
    const grant = body?.grant_type;
    if (grant === 'authorization_code') return this.#exchangeCode(body);
    if (grant === 'refresh_token') return this.#refresh(body);
    return error(400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
  }

  #exchangeCode(body) {
    const rec = this.authCodes.get(String(body.code ?? ''));
    // PKCE replaces the secret for public clients; without PKCE the secret is required.
    const c = this.#client(body, { secretRequired: !rec?.code_challenge });
    if (c.err) return c.err;
    const bad = (d) => error(400, 'invalid_grant', d);
    if (!rec || rec.client_id !== c.client.client_id) return bad('The provided authorization grant is invalid, expired, revoked, or was issued to another client.');
    if (rec.used) return bad('The authorization code was already used.');
    if (this.now >= rec.created + AUTH_CODE_TTL_MS) return bad('The authorization code has expired.');
    if (body.redirect_uri !== rec.redirect_uri) return bad('The redirect_uri does not match the authorization request.');
    if (rec.code_challenge) {
      const v = body.code_verifier;
      if (typeof v !== 'string' || !/^[A-Za-z0-9\-._~]{43,128}$/.test(v)) return bad('A valid code_verifier is required.');
      const derived = rec.code_challenge_method === 'S256' ? base64url(createHash('sha256').update(v).digest()) : v;
      if (derived !== rec.code_challenge) return bad('The code_verifier does not match the code_challenge.');
    }
    rec.used = true;
    return json(200, OAuth.tokenBody(this.issue(rec.username, rec.client_id, !!rec.code_challenge)));
  }

  /**
   * Single use: the old refresh token AND the old access token die at once. A second
   * refresh with the same token (a race, or a lost response) gets invalid_grant.
   */
  #refresh(body) {
    const old = this.byRefresh.get(String(body.refresh_token ?? ''));
    // A PKCE session may refresh without a secret (public client), otherwise it is required.
    const c = this.#client(body, { secretRequired: !old?.pkce });
    if (c.err) return c.err;
    if (!old || old.status !== 'active' || old.client_id !== c.client.client_id) {
      return error(400, 'invalid_grant', 'session not found');
    }
    if (body.redirect_uri !== undefined && !c.client.redirect_uris.includes(body.redirect_uri)) {
      return error(400, 'invalid_grant', 'The redirect_uri is not registered for this client.');
    }
    old.status = 'refreshed';
    return json(200, OAuth.tokenBody(this.issue(old.username, old.client_id, old.pkce)));
  }

  /** POST /oauth/revoke {token, client_id, client_secret}: 200 even for unknown tokens (RFC 7009). */
  revoke(body) {
    const c = this.#client(body, { secretRequired: false });
    if (c.err) return c.err;
    const t = String(body?.token ?? '');
    const s = this.byAccess.get(t) ?? this.byRefresh.get(t);
    if (s && s.client_id === c.client.client_id && s.status === 'active') s.status = 'revoked';
    return json(200, {});
  }

  // ---------- the two trakt.tv pages, for the demo and manual testing ----------

  /** GET /oauth/authorize */
  authorizePage(q) {
    const chk = this.checkAuthorize(q);
    if ('err' in chk) return html(400, page('Authorization error', `<p>${escapeHtml(chk.err)}</p>`));
    const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']
      .filter((k) => q[k] !== undefined)
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q[k])}">`).join('');
    return html(200, page(`Authorize ${escapeHtml(chk.client.name)}`,
      `<form method="post" action="/oauth/authorize">${hidden}
       <label>Trakt username <input name="username"></label>
       <button name="decision" value="approve">Yes</button> <button name="decision" value="deny">No</button></form>`));
  }

  /** POST /oauth/authorize (the page's form) */
  authorizeSubmit(f) {
    try {
      return redirect(this.authorize({ ...f, deny: f.decision === 'deny' }));
    } catch (e) {
      return html(400, page('Authorization error', `<p>${escapeHtml(/** @type {Error} */ (e).message)}</p>`));
    }
  }

  /** GET /activate */
  activatePage(q) {
    return html(200, page('Activate your device',
      `<form method="post" action="/activate"><label>Code <input name="user_code" value="${escapeHtml(q.code)}"></label>
       <label>Trakt username <input name="username"></label>
       <button name="decision" value="approve">Yes</button> <button name="decision" value="deny">No</button></form>`));
  }

  /** POST /activate */
  activateSubmit(f) {
    let ok = false;
    try {
      ok = f.decision === 'deny' ? this.denyDevice(f.user_code) : this.approveDevice(f.user_code, f.username);
    } catch (e) {
      return html(400, page('Activation error', `<p>${escapeHtml(/** @type {Error} */ (e).message)}</p>`));
    }
    if (!ok) return html(404, page('Activation error', '<p>Invalid or expired code.</p>'));
    return html(200, page(f.decision === 'deny' ? 'Denied' : 'Device connected', '<p>You can close this page.</p>'));
  }
}

const page = (title, bodyHtml) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${bodyHtml}</body></html>`;
