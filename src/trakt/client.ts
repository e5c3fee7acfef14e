// Authenticated Trakt API calls for one user: the per-user rate limiter (KV) first, a
// token (refreshed when due), the request, one refresh-and-retry on 401, and every
// answer classified (errors.ts). Account problems are recorded on the user's profile.
import type { HostApi } from '../host/api.js';
import { emptyRate, nextAllowed, note429, noteCall, noteSuccess, type RateState } from '../ratelimit/limiter.js';
import type { ServerSettings } from '../settings/settings.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';
import { loadProfile, setProblem, updateProfile } from '../state/profile.js';
import { accessToken } from '../auth/tokens.js';
import { RETRYABLE, accountMessage, type TraktResult } from './errors.js';
import { areaOfPath } from '../contract/areas.js';
import { API, jsonBody, sendRaw } from './http.js';

/** An HTTP method the Trakt client sends. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The body a caller needs from a 2xx: a JSON array (a list, a page), a JSON object, any
 * JSON value, or nothing at all (a DELETE, which Trakt answers 204). Anything else is a
 * broken answer (a Cloudflare or maintenance page answered 200, JSON cut short): a
 * transient failure, never data.
 */
export type Expect = 'array' | 'object' | 'any' | 'none';
export interface RequestOptions {
  expect?: Expect;
  /**
   * Not sent after this host time, not even as the retry after a renewed sign-in: a live
   * scrobble, which Trakt dates on arrival, is better sent another way than late.
   */
  notAfter?: number;
}

/** What a method's 2xx carries unless the caller says: Trakt answers DELETEs 204 and everything else with JSON. */
const defaultExpect = (method: Method): Expect => (method === 'DELETE' ? 'none' : method === 'GET' ? 'any' : 'object');
/** How stale the profile's "Trakt took this sign-in" time may get before a good answer renews it (hourly, not a KV write per call). */
const CHECKED_NOTE_MS = 3_600_000;

/** Why a 2xx body is not what the caller needs, or null when it is. */
export function brokenBody(raw: string, expect: Expect): string | null {
  if (expect === 'none') return null;
  if (!raw) return 'an empty answer';
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return /^\s*</.test(raw) ? 'an HTML page instead of JSON' : 'JSON that does not parse (cut short?)';
  }
  if (v === null) return 'a null answer';
  if (expect === 'array' && !Array.isArray(v)) return 'not the list asked for';
  if (expect === 'object' && (typeof v !== 'object' || Array.isArray(v))) return 'not the object asked for';
  return null;
}

/** A write refused for the account (420, 423, 426) is tried again after this long. */
export const ACCOUNT_RETRY_MS = 6 * 3_600_000;

/** Which part of the account a path touches: account limits (420, 426) apply per sync area (its declared paths). */
export function areaOf(path: string): string {
  const area = areaOfPath(path);
  if (area) return area.name;
  if (path.startsWith('/scrobble/')) return 'scrobble';
  return 'account';
}

/** Authenticated Trakt calls for one user: rate limiter, tokens, one retry on 401, answers classified. */
export class TraktClient {
  constructor(readonly host: HostApi, readonly server: ServerSettings, readonly userId: string) {}

  /** When a call of this method could go (ms, host clock); now if it can go now. */
  nextAllowed(method: Method): number {
    const s = readJson<RateState>(this.host, keys.rate(this.userId)).value ?? emptyRate();
    return nextAllowed(s, method, this.host.clockNow());
  }

  /** Whether writes to this area (an areaOf name; `path`, the write's own) are stopped by an account problem (423 all, 420/426 per area). */
  blockedBy(area: string, profile = loadProfile(this.host, this.userId), path = ''): { status: 420 | 423 | 426; message: string } | null {
    const problems = profile.problems ?? {};
    const p = problems.locked ?? problems[area];
    if (!p || (p.status !== 420 && p.status !== 423 && p.status !== 426)) return null;
    // A removal makes room: a full list (420) never holds it back.
    if (p.status === 420 && path.endsWith('/remove')) return null;
    // Tried again now and then: the user may have gone VIP, made room, or been unlocked.
    // The next write either clears the problem or renews it.
    if (this.host.clockNow() - p.at > ACCOUNT_RETRY_MS) return null;
    return { status: p.status, message: p.message };
  }

  /** One call; `opts.expect` says what a 2xx body must be (else it is a transient failure). */
  request<T = any>(method: Method, path: string, body?: unknown, opts: RequestOptions = {}): TraktResult<T> {
    const profile = loadProfile(this.host, this.userId);
    if (profile.needsReconnect) return { kind: 'reconnect', message: 'Trakt needs to be connected again.', sent: 'no' };
    if (method !== 'GET') {
      const blocked = this.blockedBy(areaOf(path), profile, path);
      if (blocked) return { kind: 'account', status: blocked.status, message: blocked.message, sent: 'no' };
    }
    let tok = accessToken(this.host, this.server, this.userId);
    for (let attempt = 0; ; attempt++) {
      if (!tok.ok) {
        if (tok.kind === 'reconnect') return { kind: 'reconnect', message: tok.message, sent: 'no' };
        if (tok.kind === 'busy') return { kind: 'busy', message: tok.message, sent: 'no' };
        return { kind: 'unavailable', message: tok.message, sent: 'no' };
      }
      if (opts.notAfter !== undefined && this.host.clockNow() > opts.notAfter) return { kind: 'unavailable', message: 'too late to send it live', sent: 'no' };
      const gate = this.reserve(method);
      if (gate !== null) return { kind: 'rate_limited', until: gate, sent: 'no' };
      const out = sendRaw(this.host, this.server, method, API + path, body, tok.token);
      if (!out.ok) {
        // timeout: the request may have been applied; network: it never left.
        return { kind: 'unavailable', message: out.code, sent: out.code === 'network' || out.code === 'not_allowed' ? 'no' : 'unknown' };
      }
      const { status, headers } = out.res;
      if (status === 401 && attempt === 0) {
        tok = accessToken(this.host, this.server, this.userId, tok.token);
        continue;
      }
      const r = this.classify<T>(method, path, status, headers, out.res, opts.expect ?? defaultExpect(method));
      // "Connected" in status is Trakt's word: the last time it took this sign-in (noted hourly, not per call).
      const now = this.host.clockNow();
      if (r.kind === 'ok' && now - (profile.checkedAt ?? 0) >= CHECKED_NOTE_MS) updateProfile(this.host, this.userId, (p) => ({ ...p, checkedAt: now }));
      return r;
    }
  }

  /** Takes a slot from the limiter, or says when one frees up (no call is made then). */
  private reserve(method: Method): number | null {
    let wait: number | null = null;
    update<RateState>(this.host, keys.rate(this.userId), (cur) => {
      const s = cur ?? emptyRate();
      const now = this.host.clockNow();
      const at = nextAllowed(s, method, now);
      if (at > now) {
        wait = at;
        return undefined;
      }
      wait = null;
      return noteCall(s, method, now);
    });
    return wait;
  }

  private classify<T>(method: Method, path: string, status: number, headers: Record<string, string>, res: { body: string }, expect: Expect): TraktResult<T> {
    const area = areaOf(path);
    const broken = status >= 200 && status < 300 ? brokenBody(res.body, expect) : null;
    if (broken) {
      // Never data: a write answered so may still have landed (verify before resending).
      return { kind: 'unavailable', status, message: `HTTP ${status} with ${broken}`, sent: method === 'GET' ? 'no' : 'unknown' };
    }
    if (status >= 200 && status < 300) {
      this.updateRate((s) => noteSuccess(s));
      if (method !== 'GET') setProblem(this.host, this.userId, area, null);
      return { kind: 'ok', status, body: jsonBody(res) as T, headers };
    }
    const body = jsonBody(res);
    const text = body && typeof body === 'object' ? String(body.error_description ?? body.error ?? body.message ?? '') : '';
    switch (status) {
      case 401: {
        const message = 'Trakt refused the sign-in twice; connect Trakt again in your settings.';
        updateProfile(this.host, this.userId, (p) => ({ ...p, needsReconnect: true, lastError: { message, at: this.host.clockNow() } }));
        return { kind: 'reconnect', message, sent: 'no' };
      }
      case 403:
      case 412: {
        const message = status === 403 ? 'Trakt refused the API key: the admin should check the client ID in the plugin settings.' : 'Trakt refused the API version.';
        setProblem(this.host, this.userId, 'config', { status, area: 'config', message, at: this.host.clockNow() });
        return { kind: 'config', status, message, sent: 'yes' };
      }
      case 404: return { kind: 'not_found', status: 404, sent: 'yes' };
      case 409: return { kind: 'conflict', status: 409, body, sent: 'yes' };
      case 420:
      case 423:
      case 426: {
        const key = status === 423 ? 'locked' : area;
        const message = accountMessage(status, key);
        setProblem(this.host, this.userId, key, { status, area: key, message, at: this.host.clockNow() });
        return { kind: 'account', status, message, sent: 'yes' };
      }
      case 429: {
        let until = 0;
        this.updateRate((s) => {
          const next = note429(s, headers, this.host.clockNow(), this.host.random());
          until = next.blockedUntil;
          return next;
        });
        return { kind: 'rate_limited', until, sent: 'no' };
      }
      default:
        if (RETRYABLE.has(status) || status >= 500) return { kind: 'unavailable', status, message: `HTTP ${status}`, sent: 'unknown' };
        return { kind: 'invalid', status, message: text || `HTTP ${status}`, sent: 'yes' };
    }
  }

  private updateRate(fn: (s: RateState) => RateState): void {
    update<RateState>(this.host, keys.rate(this.userId), (cur) => {
      const s = cur ?? emptyRate();
      const next = fn(s);
      return next === s ? undefined : next; // no write when nothing changed
    });
  }
}
